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

/* page-dashboard.c */
void page_dashboard(struct req *r);

/* page-calls.c */

/* page-leads.c */

/* page-appointments.c */

/* page-services.c */

/* page-settings.c */

/* page-team.c */

#endif
