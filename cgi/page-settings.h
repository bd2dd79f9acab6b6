/* page-settings.h: the frame every settings section shares (page-settings-<area>.c) */
#ifndef SB_PAGE_SETTINGS_H
#define SB_PAGE_SETTINGS_H

struct req;
struct tpl_dict;

/* The sections, in the order of the sub-navigation. */
enum settings_tab {
	TAB_BUSINESS, TAB_PHONES, TAB_HOURS, TAB_RECEPTIONIST, TAB_NOTIFICATIONS,
	TAB_KNOWLEDGE, TAB_VAPI, TAB_CREDENTIALS, TAB_PRACTICE, TAB_COUNT,
};

/*
 * Render a section's body_template with d under the settings sub-navigation (tab lit) in the
 * site layout. A member sees the forms read-only.
 */
void settings_render(struct req *r, int status, const char *title, enum settings_tab tab,
		     const char *body_template, struct tpl_dict *d);

/* Fill d with the stored alert, quiet-hours and summary settings and the page's sentences
 * saying what will be sent (page-settings-notifications.c). Returns 0, or -1 when it answered
 * an error. */
int settings_notifications_fill(struct req *r, struct tpl_dict *d);

/* Fill d with the stored sender name, reply-to and information email (the form of
 * page-settings-email.c, shown by page-settings-notifications.c).
 * Returns 0, or -1 when it answered an error. */
int settings_email_show(struct req *r, struct tpl_dict *d);

#endif
