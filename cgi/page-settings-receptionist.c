/* page-settings-receptionist.c: what the receptionist says and how it answers: greeting, voice
 * personality, call mode and the transfer phone (/settings/receptionist) */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "domain/setup.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_RECEPTIONIST[] =
	"SELECT greeting, voice_personality, call_mode, "
	"       coalesce(transfer_phone, '') AS transfer_phone "
	"FROM organizations WHERE id = $1";
static const char SQL_SAVE_RECEPTIONIST[] =
	"UPDATE organizations SET greeting = $2, voice_personality = $3, call_mode = $4, "
	"       transfer_phone = nullif($5, '') WHERE id = $1";

static const char *const call_modes[] = { "gather", "stream", "vapi" };
#define N_CALL_MODES (sizeof(call_modes) / sizeof(call_modes[0]))

static void receptionist_show(struct req *r, struct tpl_dict *d, int status, const char *mode)
{
	for (size_t i = 0; i < N_CALL_MODES; i++)
		if (!strcmp(mode, call_modes[i]))
			tpl_show(d, arena_printf(r->arena, "MODE_%s", call_modes[i]));
	settings_render(r, status, "Receptionist", TAB_RECEPTIONIST,
			"settings_receptionist.tpl", d);
}

void page_settings_receptionist(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "receptionist settings", "loaded", SQL_RECEPTIONIST,
				       r->org_id);

	if (!org)
		return;
	tpl_set(d, "GREETING_VALUE", db_field(org, 0, "greeting"));
	tpl_set(d, "VOICE_PERSONALITY_VALUE", db_field(org, 0, "voice_personality"));
	tpl_set(d, "TRANSFER_PHONE_VALUE", db_field(org, 0, "transfer_phone"));
	/* A key removed since the mode was chosen leaves a mode that no longer works. */
	const char *problem = NULL;
	if (setup_call_mode_problem(r->db, r->arena, r->org_id, db_field(org, 0, "call_mode"),
				    &problem) == 0 && problem)
		tpl_set(tpl_section(d, "MODE_PROBLEM"), "MESSAGE", problem);
	receptionist_show(r, d, 200, db_field(org, 0, "call_mode"));
}

void page_settings_receptionist_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *transfer;
	bool mode_known = false;

	form_begin(&f, r, d);
	const char *greeting = form_text(&f, "greeting");
	const char *personality = form_text(&f, "voice_personality");
	const char *mode = form_text(&f, "call_mode");
	const char *typed_transfer = form_text(&f, "transfer_phone");
	if (form_required(&f, "greeting", greeting, "Greeting"))
		form_max_length(&f, "greeting", greeting, 500);
	if (form_required(&f, "voice_personality", personality, "Voice personality"))
		form_max_length(&f, "voice_personality", personality, 500);
	for (size_t i = 0; i < N_CALL_MODES; i++)
		mode_known = mode_known || !strcmp(mode, call_modes[i]);
	if (!mode_known)
		form_error(&f, "call_mode", "choose gather, stream or vapi");
	form_phone(&f, "transfer_phone", typed_transfer, &transfer);
	/* A mode that cannot answer would leave callers to silence: refused with the fix. */
	const char *problem = NULL;
	if (mode_known && setup_call_mode_problem(r->db, r->arena, r->org_id, mode, &problem) < 0) {
		http_fail(r, 503, "the call mode could not be checked; please try again");
		return;
	}
	if (problem)
		form_error(&f, "call_mode", problem);
	if (!form_ok(&f)) {
		receptionist_show(r, d, 422, mode);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_RECEPTIONIST, r->org_id, greeting, personality, mode,
		    transfer) != 1 ||
	    ui_audit(r, "settings.receptionist", "organization",
		     json_pack("{s:s, s:s, s:s, s:s}", "greeting", greeting,
			       "voice_personality", personality, "call_mode", mode,
			       "transfer_phone", transfer)) < 0) {
		http_fail(r, 503, "the receptionist settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Receptionist settings saved.");
	http_redirect(r, "/settings/receptionist");
}
