/* mail.c: queueing a business's email, and the job that sends it over SMTP */
#include "domain/mail.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"

/*
 * The message is filed under org_id: a transaction already showing that organization keeps
 * it, one showing none (a signed-out page, such as a password reset) takes it for the queueing
 * and gives it back, and one showing another organization is refused.
 */
static const char SQL_ORG_NOW[] = "SELECT coalesce(current_setting('app.org_id', true), '')";
static const char SQL_ORG_SET[] = "SELECT set_config('app.org_id', $1, true)";

/* A key of the job's payload, when value is set. */
static void payload_set(json_t *payload, const char *key, const char *value)
{
	if (value)
		json_object_set_new(payload, key, json_string(value));
}

const char *mail_enqueue(struct db *db, struct arena *a, const char *org_id,
			 const struct mail_message *m, const char *dedupe_key)
{
	if (!org_id || !text_is_uuid(org_id) || !m || !m->to || !*m->to || !m->subject ||
	    !m->text) {
		log_error("could not queue an email: it needs an organization, a recipient, a "
			  "subject and a text");
		return NULL;
	}
	json_t *payload = json_to_arena(a, json_pack("{s:s, s:s, s:s, s:b}", "to", m->to,
						     "subject", m->subject, "text", m->text,
						     "unsubscribable", m->unsubscribable));
	if (!payload)
		return NULL;
	payload_set(payload, "html", m->html);
	payload_set(payload, "purpose", m->purpose);
	payload_set(payload, "call_id", m->call_id);
	payload_set(payload, "lead_id", m->lead_id);
	payload_set(payload, "appointment_id", m->appointment_id);

	const char *before = db_text(db, a, SQL_ORG_NOW);
	if (!before)
		return NULL;
	if (*before && strcmp(before, org_id)) {
		log_error("could not queue an email: the transaction belongs to another business");
		return NULL;
	}
	if (!*before && !db_text(db, a, SQL_ORG_SET, org_id))
		return NULL;
	const char *id = jobs_enqueue(db, a, "mail.send", payload, 0, dedupe_key);
	if (!*before && !db_text(db, a, SQL_ORG_SET, ""))
		return NULL;
	return id;
}
