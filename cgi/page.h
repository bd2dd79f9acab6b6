/* page.h: rendering a page body inside the site layout, and the clean error answer */
#ifndef SB_PAGE_H
#define SB_PAGE_H

struct req;
struct tpl_dict;

/* Which navigation item is lit. */
enum page_nav {
	NAV_NONE, NAV_DASHBOARD, NAV_CALLS, NAV_LEADS, NAV_APPOINTMENTS,
	NAV_SERVICES, NAV_SETTINGS, NAV_TEAM, NAV_ACCOUNT,
	NAV_TESTCALL, NAV_MESSAGES,
};

/* A dictionary for a page body template, owned by the request. */
struct tpl_dict *page_dict(struct req *r);

/*
 * Expand templates/<body_template> with d and wrap it in the layout (the signed-in layout
 * when r has a user, else the signed-out one), as the answer with the given status.
 * The flash message, when the request carries one, is shown above the body.
 */
void page_render(struct req *r, int status, const char *title, enum page_nav nav,
		 const char *body_template, struct tpl_dict *d);

/*
 * Throw away whatever was built and answer status with a clean error page, or
 * {"error": message} for JSON clients. message is shown to the user: keep it plain.
 */
void http_fail(struct req *r, int status, const char *message);

/* The error page for status with message (used by http_fail). */
void page_render_error(struct req *r, int status, const char *message);

/* Queue a one-time message shown on the next page (a short-lived cookie). */
void page_flash(struct req *r, const char *kind, const char *text);

#endif
