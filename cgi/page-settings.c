/* page-settings.c: the frame of the settings sections under /settings: their sub-navigation */
#include "page-settings.h"

#include <string.h>

#include "infra/tpl.h"
#include "page.h"
#include "req.h"

static const char *const tab_variables[TAB_COUNT] = {
	"TAB_BUSINESS", "TAB_PHONES", "TAB_HOURS", "TAB_RECEPTIONIST", "TAB_NOTIFICATIONS",
	"TAB_KNOWLEDGE", "TAB_VAPI", "TAB_CREDENTIALS", "TAB_PRACTICE", "TAB_RESOURCES",
	"TAB_CLOSURES", "TAB_REMINDERS", "TAB_CALENDAR",
};

void settings_render(struct req *r, int status, const char *title, enum settings_tab tab,
		     const char *body_template, struct tpl_dict *d)
{
	struct tpl_dict *nav = tpl_include(d, "SETTINGS_NAV", "settings_nav.tpl");

	for (int i = 0; i < TAB_COUNT; i++)
		tpl_set(nav, tab_variables[i], i == (int)tab ? "active" : "");
	tpl_set(d, "CSRF", r->csrf);
	if (!strcmp(r->user_role, "member"))
		tpl_show(d, "READ_ONLY");
	page_render(r, status, title, NAV_SETTINGS, body_template, d);
}
