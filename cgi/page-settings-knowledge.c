/* page-settings-knowledge.c: the knowledge base the receptionist answers from: list, add, edit,
 * delete (/settings/knowledge) */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_KNOWLEDGE_LIST[] =
	"SELECT id, question, left(answer, 280) AS answer, char_length(answer) > 280 AS cut "
	"FROM knowledge_entries ORDER BY updated_at DESC LIMIT 500";
static const char SQL_KNOWLEDGE_ONE[] =
	"SELECT question, answer FROM knowledge_entries WHERE id = $1";
static const char SQL_KNOWLEDGE_ADD[] =
	"INSERT INTO knowledge_entries (org_id, question, answer) VALUES ($1, $2, $3) RETURNING id";
static const char SQL_KNOWLEDGE_SAVE[] =
	"UPDATE knowledge_entries SET question = $2, answer = $3 WHERE id = $1";
static const char SQL_KNOWLEDGE_DELETE[] =
	"DELETE FROM knowledge_entries WHERE id = $1 RETURNING question";

/* What ui_one() calls an entry in its answers. */
static const char ENTRY[] = "knowledge base entry";

/* Check the question and answer fields; false when either is wrong. */
static bool knowledge_check(struct form *f, const char **question, const char **answer)
{
	*question = form_text(f, "question");
	*answer = form_text(f, "answer");
	if (form_required(f, "question", *question, "Question"))
		form_max_length(f, "question", *question, 300);
	if (form_required(f, "answer", *answer, "Answer"))
		form_max_length(f, "answer", *answer, 2000);
	return form_ok(f);
}

static void knowledge_show(struct req *r, struct tpl_dict *d, int status)
{
	struct db_result *entries = db_q(r->db, r->arena, SQL_KNOWLEDGE_LIST);

	if (!entries) {
		http_fail(r, 503, "the knowledge base could not be loaded");
		return;
	}
	for (int i = 0; i < db_rows(entries); i++) {
		struct tpl_dict *row = tpl_section(d, "ENTRY");
		tpl_set(row, "ID", db_field(entries, i, "id"));
		tpl_set(row, "QUESTION", db_field(entries, i, "question"));
		tpl_set(row, "ANSWER", db_field(entries, i, "answer"));
		if (!strcmp(db_field(entries, i, "cut"), "t"))
			tpl_show(row, "ANSWER_CUT");
	}
	tpl_show(d, db_rows(entries) ? "HAS_ENTRIES" : "NO_ENTRIES");
	settings_render(r, status, "Knowledge base", TAB_KNOWLEDGE, "settings_knowledge.tpl", d);
}

void page_settings_knowledge(struct req *r)
{
	knowledge_show(r, page_dict(r), 200);
}

void page_settings_knowledge_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *question, *answer;

	form_begin(&f, r, d);
	if (!knowledge_check(&f, &question, &answer)) {
		knowledge_show(r, d, 422);
		return;
	}
	const char *id = db_text(r->db, r->arena, SQL_KNOWLEDGE_ADD, r->org_id, question, answer);
	if (!id || ui_audit(r, "settings.knowledge_add", id,
			    json_pack("{s:s}", "question", question)) < 0) {
		http_fail(r, 503, "the entry could not be added; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry added.");
	http_redirect(r, "/settings/knowledge");
}

static void knowledge_edit_show(struct req *r, struct tpl_dict *d, int status)
{
	tpl_set(d, "ID", r->path_id);
	settings_render(r, status, "Edit knowledge entry", TAB_KNOWLEDGE,
			"settings_knowledge_edit.tpl", d);
}

void page_settings_knowledge_edit(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *entry = ui_one(r, ENTRY, "loaded", SQL_KNOWLEDGE_ONE, r->path_id);

	if (!entry)
		return;
	tpl_set(d, "QUESTION_VALUE", db_field(entry, 0, "question"));
	tpl_set(d, "ANSWER_VALUE", db_field(entry, 0, "answer"));
	knowledge_edit_show(r, d, 200);
}

void page_settings_knowledge_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *question, *answer;

	form_begin(&f, r, d);
	bool ok = knowledge_check(&f, &question, &answer);
	/* Look first, so another business's id is "not found" even when the form is wrong. */
	if (!ui_one(r, ENTRY, "loaded", SQL_KNOWLEDGE_ONE, r->path_id))
		return;
	if (!ok) {
		knowledge_edit_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_KNOWLEDGE_SAVE, r->path_id, question, answer) != 1 ||
	    ui_audit(r, "settings.knowledge_edit", r->path_id,
		     json_pack("{s:s}", "question", question)) < 0) {
		http_fail(r, 503, "the entry could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry saved.");
	http_redirect(r, "/settings/knowledge");
}

void page_settings_knowledge_delete(struct req *r)
{
	struct db_result *gone = ui_one(r, ENTRY, "deleted", SQL_KNOWLEDGE_DELETE, r->path_id);

	if (!gone)
		return;
	if (ui_audit(r, "settings.knowledge_delete", r->path_id,
		     json_pack("{s:s}", "question", db_field(gone, 0, "question"))) < 0) {
		http_fail(r, 503, "the entry could not be deleted; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry deleted.");
	http_redirect(r, "/settings/knowledge");
}
