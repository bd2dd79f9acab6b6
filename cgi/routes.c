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

	/* page-dashboard.c */
	{ "GET", "/", page_dashboard, R_AUTH },

	/* page-calls.c */

	/* page-leads.c */

	/* page-appointments.c */

	/* page-services.c */

	/* page-settings.c */

	/* page-team.c */

	{ NULL, NULL, NULL, 0 },
};
