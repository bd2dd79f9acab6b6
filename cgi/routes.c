/* routes.c: the route table: every address Switchboard answers, and what it requires */
#include <stddef.h>

#include "pages.h"
#include "router.h"

const struct route routes[] = {
	{ "GET", "/healthz", page_healthz, 0 },
	{ "GET", "/readyz", page_readyz, 0 },

	{ "GET", "/login", page_login_form, R_GUEST },
	{ "POST", "/login", page_login, R_FORM },
	{ "GET", "/signup", page_signup_form, R_GUEST },
	{ "POST", "/signup", page_signup, R_FORM },
	{ "POST", "/logout", page_logout, R_FORM | R_AUTH | R_CSRF },
	{ "GET", "/login/code", page_login_code_form, R_GUEST },
	{ "POST", "/login/code", page_login_code, R_FORM },

	/* page-reset.c */
	{ "GET", "/password/forgot", page_forgot_form, R_GUEST },
	{ "POST", "/password/forgot", page_forgot, R_FORM },
	{ "GET", "/password/reset/:token", page_reset_form, 0 },
	{ "POST", "/password/reset/:token", page_reset, R_FORM },
	{ "GET", "/verify-email/:token", page_verify_email_form, 0 },
	{ "POST", "/verify-email", page_verify_email, R_FORM },

	/* page-live.c: nginx's check of a live-event stream (internal to nginx) */
	{ "GET", "/_live/authorize/:id", page_live_authorize, R_AUTH },

	/* page-dashboard.c */
	{ "GET", "/dashboard/live", page_dashboard_live, R_AUTH },
	{ "GET", "/", page_dashboard, R_AUTH },

	/* page-calls.c */
	{ "GET", "/calls", page_calls, R_AUTH },
	{ "GET", "/calls/:id", page_call_show, R_AUTH },
	{ "GET", "/calls/:id/recording", page_call_recording, R_AUTH },
	{ "POST", "/calls/:id/callback", page_call_callback, R_FORM | R_AUTH | R_CSRF },

	/* page-leads.c */
	{ "GET", "/leads", page_leads, R_AUTH },
	{ "GET", "/leads.csv", page_leads_csv, R_AUTH },

	/* page-messages.c */
	{ "GET", "/messages", page_messages, R_AUTH },
	/* page-lead.c */
	{ "GET", "/leads/:id", page_lead_show, R_AUTH },
	{ "POST", "/leads/:id/status", page_lead_status, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/leads/:id/notes", page_lead_note, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/leads/:id/callback", page_lead_callback, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/leads/:id/sms", page_lead_sms, R_FORM | R_AUTH | R_CSRF },
	/* page-send-info.c */
	{ "POST", "/leads/:id/info", page_lead_info, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/calls/:id/info", page_call_info, R_FORM | R_AUTH | R_CSRF },

	/* page-appointments.c */
	{ "GET", "/appointments", page_appointments, R_AUTH },
	{ "GET", "/appointments/new", page_appointment_new_form, R_AUTH },
	{ "POST", "/appointments/new", page_appointment_create, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/appointments/:id/no-show", page_appointment_no_show, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/appointments/:id/cancel", page_appointment_cancel, R_FORM | R_AUTH | R_CSRF },
	{ "GET", "/appointments/:id/reschedule", page_appointment_reschedule_form, R_AUTH },
	{ "POST", "/appointments/:id/reschedule", page_appointment_reschedule,
	  R_FORM | R_AUTH | R_CSRF },

	/* page-services.c */
	{ "GET", "/services", page_services, R_AUTH },
	{ "GET", "/services/new", page_service_new_form, R_AUTH | R_ADMIN },
	{ "POST", "/services/new", page_service_create, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/services/:id/edit", page_service_edit_form, R_AUTH | R_ADMIN },
	{ "POST", "/services/:id/edit", page_service_update, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/services/:id/deactivate", page_service_deactivate,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/services/:id/activate", page_service_activate,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },

	/* page-settings-<area>.c, one file per section */
	{ "GET", "/settings", page_settings_business, R_AUTH },
	{ "POST", "/settings/business", page_settings_business_save, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/limits", page_settings_limits_save, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/phones", page_settings_phones, R_AUTH },
	{ "POST", "/settings/phones", page_settings_phone_add, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/phones/:id/delete", page_settings_phone_remove,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/hours", page_settings_hours, R_AUTH },
	{ "POST", "/settings/hours", page_settings_hours_save, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/hours/booking", page_settings_booking_window_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	/* page-settings-resources.c */
	{ "GET", "/settings/resources", page_settings_resources, R_AUTH },
	{ "POST", "/settings/resources", page_settings_resource_add,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/resources/:id", page_settings_resource, R_AUTH },
	{ "POST", "/settings/resources/:id", page_settings_resource_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/resources/:id/deactivate", page_settings_resource_deactivate,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/resources/:id/activate", page_settings_resource_activate,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	/* page-settings-closures.c */
	{ "GET", "/settings/closures", page_settings_closures, R_AUTH },
	{ "POST", "/settings/closures", page_settings_closure_add,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/closures/:id/delete", page_settings_closure_delete,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/receptionist", page_settings_receptionist, R_AUTH },
	{ "POST", "/settings/receptionist", page_settings_receptionist_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/notifications", page_settings_notifications, R_AUTH },
	{ "POST", "/settings/notifications", page_settings_notifications_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/email", page_settings_email_save, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/knowledge", page_settings_knowledge, R_AUTH },
	{ "POST", "/settings/knowledge", page_settings_knowledge_add,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/knowledge/:id", page_settings_knowledge_edit, R_AUTH },
	{ "POST", "/settings/knowledge/:id", page_settings_knowledge_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/knowledge/:id/delete", page_settings_knowledge_delete,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/vapi", page_settings_vapi, R_AUTH },
	{ "POST", "/settings/vapi", page_settings_vapi_save, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "GET", "/settings/credentials", page_settings_credentials, R_AUTH },
	{ "POST", "/settings/credentials", page_settings_credentials_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/credentials/:id/delete", page_settings_credential_remove,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/credentials/check", page_settings_credentials_check,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },

	/* page-settings-calendar.c */
	{ "GET", "/settings/calendar", page_settings_calendar, R_AUTH },
	{ "GET", "/settings/calendar/connect", page_settings_calendar_connect, R_AUTH | R_ADMIN },
	{ "GET", "/settings/calendar/callback", page_settings_calendar_callback, R_AUTH | R_ADMIN },
	{ "POST", "/settings/calendar/disconnect", page_settings_calendar_disconnect,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/calendar/map", page_settings_calendar_map,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },

	/* page-team.c */
	{ "GET", "/team", page_team, R_AUTH },
	{ "POST", "/team/invite", page_team_invite, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/team/invites/:id/revoke", page_team_invite_revoke, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/team/users/:id/role", page_team_user_role, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/team/users/:id/remove", page_team_user_remove, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	/* page-unsubscribe.c: one-click unsubscribe (RFC 8058), no session */
	{ "GET", "/u/:token", page_unsubscribe_form, 0 },
	{ "POST", "/u/:token", page_unsubscribe, R_FORM },
	{ "GET", "/invite/:token", page_invite_form, R_GUEST },
	{ "POST", "/invite/:token", page_invite_accept, R_FORM | R_GUEST },
	{ "POST", "/team/two-factor", page_team_two_factor, R_FORM | R_AUTH | R_CSRF | R_ADMIN },

	/* page-account.c */
	{ "GET", "/account", page_account, R_AUTH },
	{ "POST", "/account/password", page_account_password, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/account/verify-email", page_account_verify_resend, R_FORM | R_AUTH | R_CSRF },
	{ "GET", "/account/two-factor", page_two_factor_form, R_AUTH },
	{ "GET", "/account/two-factor/qr.svg", page_two_factor_qr, R_AUTH },
	{ "POST", "/account/two-factor", page_two_factor_enable, R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/account/two-factor/recovery", page_two_factor_recovery,
	  R_FORM | R_AUTH | R_CSRF },
	{ "POST", "/account/two-factor/disable", page_two_factor_disable, R_FORM | R_AUTH | R_CSRF },

	/* page-practice.c */
	{ "GET", "/settings/practice", page_practice, R_AUTH },
	{ "POST", "/settings/practice", page_practice_start, R_FORM | R_AUTH | R_CSRF },
	/* page-testcall.c */
	{ "GET", "/test-call", page_testcall, R_AUTH },
	{ "POST", "/test-call", page_testcall_start, R_FORM | R_AUTH | R_CSRF },

	/* hook-twilio.c */
	{ "POST", "/hooks/twilio/turn", hook_twilio_turn, R_FORM | R_SIG_TWILIO },
	{ "POST", "/hooks/twilio/voice", hook_twilio_voice, R_FORM | R_SIG_TWILIO },
	{ "POST", "/hooks/twilio/status", hook_twilio_status, R_FORM | R_SIG_TWILIO },

	/* hook-vapi.c: each message is authenticated with its own organization's secret */
	{ "POST", "/hooks/vapi", hook_vapi, R_JSON },

	/* hook-twilio-recording.c */
	{ "POST", "/hooks/twilio/recording", hook_twilio_recording, R_FORM | R_SIG_TWILIO },

	/* page-line.c */
	{ "GET", "/line", page_line, R_AUTH },
	{ "POST", "/line/search", page_line_search, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/buy", page_line_buy, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/own", page_line_own, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/claim", page_line_claim, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/forward", page_line_forward, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/:id/check", page_line_check, R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/line/:id/webhooks", page_line_webhooks, R_FORM | R_AUTH | R_CSRF | R_ADMIN },

	/* hook-google.c: each notification is checked against its channel's own token */
	{ "POST", "/hooks/google", hook_google, 0 },

	/* hook-twilio-sms.c */
	{ "POST", "/hooks/twilio/sms", hook_twilio_sms, R_FORM | R_SIG_TWILIO },

	/* page-settings-reminders.c */
	{ "GET", "/settings/reminders", page_settings_reminders, R_AUTH },
	{ "POST", "/settings/reminders", page_settings_reminders_save,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/reminders/feed", page_settings_feed_renew,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	{ "POST", "/settings/reminders/feed/stop", page_settings_feed_stop,
	  R_FORM | R_AUTH | R_CSRF | R_ADMIN },
	/* page-calendar-feed.c: no session; the token in the address is the key */
	{ "GET", "/calendar/:token", page_calendar_feed, 0 },

	{ NULL, NULL, NULL, 0 },
};
