/* pages.h: every request handler, one group per page-*.c or hook-*.c file */
#ifndef SB_PAGES_H
#define SB_PAGES_H

struct req;

/* page-health.c */
void page_healthz(struct req *r);
void page_readyz(struct req *r);

/* page-auth.c */
void page_login_form(struct req *r);
void page_login(struct req *r);
void page_signup_form(struct req *r);
void page_signup(struct req *r);
void page_logout(struct req *r);
void page_login_code_form(struct req *r);
void page_login_code(struct req *r);

/* page-reset.c */
void page_forgot_form(struct req *r);
void page_forgot(struct req *r);
void page_reset_form(struct req *r);
void page_reset(struct req *r);
void page_verify_email_form(struct req *r);
void page_verify_email(struct req *r);

/* page-live.c */
void page_live_authorize(struct req *r);

/* page-dashboard.c */
void page_dashboard_live(struct req *r);
void page_dashboard(struct req *r);

/* page-calls.c */
void page_calls(struct req *r);
void page_call_show(struct req *r);
void page_call_recording(struct req *r);
void page_call_callback(struct req *r);

/* page-leads.c */
void page_leads(struct req *r);
void page_leads_csv(struct req *r);

/* page-messages.c */
void page_messages(struct req *r);

/* page-lead.c */
void page_lead_show(struct req *r);
void page_lead_status(struct req *r);
void page_lead_note(struct req *r);
void page_lead_callback(struct req *r);
void page_lead_sms(struct req *r);

/* page-appointments.c */
void page_appointments(struct req *r);
/* page-appointment.c */
void page_appointment_cancel(struct req *r);
void page_appointment_no_show(struct req *r);
void page_appointment_reschedule_form(struct req *r);
void page_appointment_reschedule(struct req *r);
/* page-appointment-new.c */
void page_appointment_new_form(struct req *r);
void page_appointment_create(struct req *r);

/* page-services.c */
void page_services(struct req *r);
void page_service_new_form(struct req *r);
void page_service_create(struct req *r);
void page_service_edit_form(struct req *r);
void page_service_update(struct req *r);
void page_service_deactivate(struct req *r);
void page_service_activate(struct req *r);

/* page-settings-resources.c */
void page_settings_resources(struct req *r);
void page_settings_resource_add(struct req *r);
void page_settings_resource(struct req *r);
void page_settings_resource_save(struct req *r);
void page_settings_resource_deactivate(struct req *r);
void page_settings_resource_activate(struct req *r);

/* page-settings-closures.c */
void page_settings_closures(struct req *r);
void page_settings_closure_add(struct req *r);
void page_settings_closure_delete(struct req *r);

/* page-settings-business.c */
void page_settings_business(struct req *r);
void page_settings_business_save(struct req *r);
void page_settings_limits_save(struct req *r);

/* page-settings-phones.c */
void page_settings_phones(struct req *r);
void page_settings_phone_add(struct req *r);
void page_settings_phone_remove(struct req *r);

/* page-settings-hours.c */
void page_settings_hours(struct req *r);
void page_settings_hours_save(struct req *r);
void page_settings_booking_window_save(struct req *r);

/* page-settings-receptionist.c */
void page_settings_receptionist(struct req *r);
void page_settings_receptionist_save(struct req *r);

/* page-settings-calendar.c */
void page_settings_calendar(struct req *r);
void page_settings_calendar_connect(struct req *r);
void page_settings_calendar_callback(struct req *r);
void page_settings_calendar_disconnect(struct req *r);
void page_settings_calendar_map(struct req *r);

/* hook-google.c */
void hook_google(struct req *r);

/* page-settings-notifications.c */
void page_settings_notifications(struct req *r);
void page_settings_notifications_save(struct req *r);
void page_settings_email_save(struct req *r);

/* page-settings-knowledge.c */
void page_settings_knowledge(struct req *r);
void page_settings_knowledge_add(struct req *r);
void page_settings_knowledge_edit(struct req *r);
void page_settings_knowledge_save(struct req *r);
void page_settings_knowledge_delete(struct req *r);

/* page-settings-vapi.c */
void page_settings_vapi(struct req *r);
void page_settings_vapi_save(struct req *r);

/* page-practice.c */
void page_practice(struct req *r);
void page_practice_start(struct req *r);

/* page-settings-credentials.c */
void page_settings_credentials(struct req *r);
void page_settings_credentials_save(struct req *r);
/* One harmless request with the provider's key (form field provider); the page shows the
 * answer in words. */
void page_settings_credentials_check(struct req *r);
void page_settings_credential_remove(struct req *r);

/* page-team.c */
void page_team(struct req *r);
void page_team_invite(struct req *r);
void page_team_invite_revoke(struct req *r);
void page_team_user_role(struct req *r);
void page_team_user_remove(struct req *r);
void page_invite_form(struct req *r);
void page_invite_accept(struct req *r);
void page_team_two_factor(struct req *r);

/* page-account.c */
void page_account(struct req *r);
void page_account_password(struct req *r);
void page_account_verify_resend(struct req *r);
/* GET /account/two-factor/qr.svg: the set-up key's otpauth URI as a QR code to scan. */
void page_two_factor_qr(struct req *r);
void page_two_factor_form(struct req *r);
void page_two_factor_enable(struct req *r);
void page_two_factor_recovery(struct req *r);
void page_two_factor_disable(struct req *r);

/* page-send-info.c */
void page_lead_info(struct req *r);
void page_call_info(struct req *r);

/* page-unsubscribe.c */
void page_unsubscribe_form(struct req *r);
void page_unsubscribe(struct req *r);

/* page-testcall.c */
void page_testcall(struct req *r);
void page_testcall_start(struct req *r);

/* hook-twilio.c */
void hook_twilio_turn(struct req *r);
void hook_twilio_voice(struct req *r);
void hook_twilio_status(struct req *r);

/* hook-vapi.c */
void hook_vapi(struct req *r);

/* hook-twilio-recording.c */
void hook_twilio_recording(struct req *r);

/* page-line.c */
void page_line(struct req *r);
void page_line_search(struct req *r);
void page_line_buy(struct req *r);
void page_line_own(struct req *r);
void page_line_claim(struct req *r);
void page_line_forward(struct req *r);
void page_line_check(struct req *r);
void page_line_webhooks(struct req *r);

/* hook-twilio-sms.c */
void hook_twilio_sms(struct req *r);

/* page-settings-reminders.c */
void page_settings_reminders(struct req *r);
void page_settings_reminders_save(struct req *r);
void page_settings_feed_renew(struct req *r);
void page_settings_feed_stop(struct req *r);

/* page-calendar-feed.c */
void page_calendar_feed(struct req *r);

#endif
