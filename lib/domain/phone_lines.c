/* phone_lines.c: a business's phone line connected a verified way, its webhooks pointed here
 * through Twilio's API, and the Twilio account each number's webhooks and messages belong to */
#include "domain/phone_lines.h"

#include <stdbool.h>
#include <string.h>

#include "domain/account.h"
#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"

static const char SQL_ACCOUNT_FOR[] =
	"SELECT org_id, coalesce(account_sid, ''), phone_number_id FROM twilio_line_for($1, $2)";
static const char SQL_CONNECT[] =
	"SELECT phone_line_connect($1, $2, $3, $4, $5, $6)";
static const char SQL_WEBHOOKS_SET[] =
	"UPDATE phone_numbers SET webhooks_set_at = now() WHERE id = $1";
static const char SQL_NUMBER[] =
	"SELECT e164, twilio_number_sid, coalesce(twilio_account_sid, ''), "
	"       coalesce(forwarded_from, ''), connection, verified_at IS NOT NULL "
	"FROM phone_numbers WHERE id = $1 AND org_id = $2";
static const char SQL_CHECK_STARTED[] =
	"UPDATE phone_numbers SET check_call_sid = $2, check_started_at = now() WHERE id = $1";

/* What the business hears when the forwarding check call reaches its existing line. */
static const char CHECK_TWIML[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>This is Switchboard checking "
	"that calls to this number forward to your receptionist. You can hang up now.</Say>"
	"<Pause length=\"5\"/><Hangup/></Response>";

static const char NO_PLATFORM_ACCOUNT[] =
	"This Switchboard server has no Twilio account to buy numbers from "
	"(TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN). Ask whoever runs it, or connect a number of "
	"your own Twilio account.";
static const char NO_OWN_ACCOUNT[] =
	"Save your Twilio Account SID and auth token under Settings, Provider keys first.";

static bool is_server_account(const char *sid)
{
	const char *server = conf_str("TWILIO_ACCOUNT_SID");

	return sid && *sid && *server && !strcmp(sid, server);
}

int phone_line_account(struct db *db, struct arena *a, const char *org_id,
		       const char *holder_sid, struct twilio_account *out)
{
	if (is_server_account(holder_sid)) {
		twilio_account_server(out);
		return 0;
	}
	return credential_twilio_account(db, a, org_id, out, NULL);
}

int phone_line_webhook_accounts(struct db *db, struct arena *a, const char *our_number,
				const char *call_sid, struct twilio_account out[2],
				struct phone_line_owner *owner)
{
	struct db_result *res = db_q(db, a, SQL_ACCOUNT_FOR, our_number ? our_number : "",
				     call_sid);
	bool own;

	twilio_account_server(&out[0]);
	if (owner)
		owner->org_id = owner->phone_number_id = NULL;
	if (!res)
		return -1;
	const char *org_id = db_rows(res) ? db_value(res, 0, 0) : NULL;
	if (owner && org_id && db_value(res, 0, 2)) {
		owner->org_id = org_id;
		owner->phone_number_id = db_value(res, 0, 2);
	}
	const char *holder = org_id ? db_value(res, 0, 1) : "";
	if (!org_id || is_server_account(holder))
		return 1;
	/* The business's sealed keys are read under its own row-level security. */
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	int rc = credential_twilio_account(db, a, org_id, &out[0], &own);
	db_rollback(db);
	if (rc < 0)
		return -1;
	if (!*holder) {
		/* From before verification: it may be on either account. */
		if (!own)
			return 1;
		twilio_account_server(&out[1]);
		return 2;
	}
	if (!own || strcmp(out[0].sid, holder)) {
		log_warn("a webhook for a number of a Twilio account its business no longer has "
			 "the keys of was refused: number=%s", our_number ? our_number : "-");
		out[0].token = "";
	}
	return 1;
}

void phone_line_hooks(struct arena *a, struct twilio_number_hooks *out)
{
	const char *base = conf_str("PUBLIC_BASE_URL");
	size_t len = strlen(base);

	while (len && base[len - 1] == '/')
		len--;
	out->voice_url = arena_printf(a, "%.*s/hooks/twilio/voice", (int)len, base);
	out->status_callback = arena_printf(a, "%.*s/hooks/twilio/status", (int)len, base);
	out->sms_url = arena_printf(a, "%.*s/hooks/twilio/sms", (int)len, base);
}

/* Twilio's refusal or silence, in words for the owner (arena). */
static const char *twilio_problem(struct arena *a, const char *doing,
				  const struct twilio_result *tw)
{
	if (!tw->http_status)
		return arena_printf(a, "Could not reach Twilio to %s: %s", doing, tw->message);
	if (tw->code)
		return arena_printf(a, "Twilio refused to %s: %s (error %ld)", doing, tw->message,
				    tw->code);
	return arena_printf(a, "Twilio refused to %s: %s", doing, tw->message);
}

int phone_line_search(struct arena *a, const char *area_code, int max,
		      struct twilio_number **numbers, int *count, const char **problem)
{
	struct twilio_account acct;
	struct twilio_result tw;

	*numbers = NULL;
	*count = 0;
	if (!twilio_account_usable(twilio_account_server(&acct))) {
		*problem = NO_PLATFORM_ACCOUNT;
		return -1;
	}
	if (twilio_search_numbers(a, &acct, PHONE_LINE_COUNTRY, area_code, max, numbers, count,
				  &tw) < 0) {
		*problem = twilio_problem(a, "search for numbers", &tw);
		return -1;
	}
	return 0;
}

/*
 * Point the number pn_sid (row number_id) of the account holder_sid at our webhooks and note
 * when. A failure is a warning in out: the number is connected, its webhooks can be set again.
 */
static int configure(struct db *db, struct arena *a, const char *org_id, const char *number_id,
		     const char *pn_sid, const char *holder_sid, struct phone_line_outcome *out)
{
	struct twilio_account acct;
	struct twilio_number_hooks hooks;
	struct twilio_number now;
	struct twilio_result tw;

	if (phone_line_account(db, a, org_id, holder_sid, &acct) < 0) {
		out->warning = "The number's webhooks could not be set: the database is not "
			       "available. Set them again below.";
		return -1;
	}
	phone_line_hooks(a, &hooks);
	if (twilio_configure_number(a, &acct, pn_sid, &hooks, &now, &tw) < 0) {
		out->warning = arena_printf(a, "%s. Set them again below.",
					    twilio_problem(a, "set the number's webhooks", &tw));
		return -1;
	}
	if (db_exec(db, a, SQL_WEBHOOKS_SET, number_id) != 1) {
		out->warning = "The webhooks were set, but that could not be noted.";
		return -1;
	}
	log_info("phone number webhooks set number=%s sid=%s", out->e164 ? out->e164 : "-",
		 pn_sid);
	return 0;
}

/* Record e164 as org_id's, connected the way connection says; NULL when another business
 * has it verified (out->problem then says so). */
static const char *record(struct db *db, struct arena *a, const char *e164,
			  const char *connection, const char *pn_sid, const char *holder_sid,
			  const char *forwarded_from, const char *label,
			  struct phone_line_outcome *out)
{
	const char *id = db_text(db, a, SQL_CONNECT, e164, connection, pn_sid, holder_sid,
				 forwarded_from, label);

	if (!id)
		out->problem = *db_sqlstate(db)
			? "The number could not be saved; please try again."
			: "This number is already connected to another business.";
	return id;
}

/*
 * A business connects a line only once an owner or admin verified an email: a number costs the
 * platform money and reaches the public. True when it may; else out->problem says why.
 */
static bool may_connect(struct db *db, struct arena *a, struct phone_line_outcome *out)
{
	int may = account_may_connect_lines(db, a);

	if (may == 1)
		return true;
	out->problem = may == 0 ? ACCOUNT_VERIFY_FIRST :
		       "The phone line could not be connected; please try again.";
	return false;
}

int phone_line_buy(struct db *db, struct arena *a, const char *org_id, const char *e164,
		   const char *forwarded_from, const char *label, struct phone_line_outcome *out)
{
	struct twilio_account acct;
	struct twilio_number bought;
	struct twilio_result tw;

	*out = (struct phone_line_outcome){ .e164 = e164 };
	if (!may_connect(db, a, out))
		return -1;
	if (!twilio_account_usable(twilio_account_server(&acct))) {
		out->problem = NO_PLATFORM_ACCOUNT;
		return -1;
	}
	if (twilio_buy_number(a, &acct, e164, &bought, &tw) < 0) {
		out->problem = tw.code == 21422
			? arena_printf(a, "%s is not available to buy; search again.", e164)
			: twilio_problem(a, "sell the number", &tw);
		return -1;
	}
	out->e164 = bought.phone_number;
	log_info("phone number bought number=%s sid=%s org=%s", bought.phone_number, bought.sid,
		 org_id);
	const char *holder = *bought.account_sid ? bought.account_sid : acct.sid;
	out->number_id = record(db, a, bought.phone_number,
				forwarded_from ? "forwarding" : "platform", bought.sid, holder,
				forwarded_from, label, out);
	if (!out->number_id) {
		/* Bought but nobody's: the platform keeps it, and never hands it out again. */
		log_error("a bought number could not be recorded number=%s sid=%s org=%s",
			  bought.phone_number, bought.sid, org_id);
		return -1;
	}
	configure(db, a, org_id, out->number_id, bought.sid, holder, out);
	return 0;
}

/* The business's own account, or NULL with *problem set. */
static const struct twilio_account *own_account(struct db *db, struct arena *a,
						const char *org_id, struct twilio_account *acct,
						const char **problem)
{
	bool own;

	if (credential_twilio_account(db, a, org_id, acct, &own) < 0) {
		*problem = "Your Twilio keys could not be read; please try again.";
		return NULL;
	}
	/* Claiming from the platform's account would hand out the platform's numbers. */
	if (!own || is_server_account(acct->sid)) {
		*problem = NO_OWN_ACCOUNT;
		return NULL;
	}
	return acct;
}

int phone_line_own_numbers(struct db *db, struct arena *a, const char *org_id,
			   struct twilio_number **numbers, int *count, const char **problem)
{
	struct twilio_account acct;
	struct twilio_result tw;

	*numbers = NULL;
	*count = 0;
	if (!own_account(db, a, org_id, &acct, problem))
		return -1;
	if (twilio_list_numbers(a, &acct, NULL, numbers, count, &tw) < 0) {
		*problem = twilio_problem(a, "list your numbers", &tw);
		return -1;
	}
	return 0;
}

int phone_line_claim(struct db *db, struct arena *a, const char *org_id, const char *e164,
		     const char *label, struct phone_line_outcome *out)
{
	struct twilio_account acct;
	struct twilio_number *held;
	struct twilio_result tw;
	int count;

	*out = (struct phone_line_outcome){ .e164 = e164 };
	if (!may_connect(db, a, out) || !own_account(db, a, org_id, &acct, &out->problem))
		return -1;
	if (twilio_list_numbers(a, &acct, e164, &held, &count, &tw) < 0) {
		out->problem = twilio_problem(a, "look the number up", &tw);
		return -1;
	}
	/* Only the account that holds a number lists it: that is the verification. */
	const struct twilio_number *n = NULL;
	for (int i = 0; i < count && !n; i++)
		if (!strcmp(held[i].phone_number, e164) && *held[i].sid &&
		    (!*held[i].account_sid || !strcmp(held[i].account_sid, acct.sid)))
			n = &held[i];
	if (!n) {
		out->problem = arena_printf(a, "Your Twilio account (%s) does not hold %s.",
					    acct.sid, e164);
		return -1;
	}
	out->number_id = record(db, a, e164, "own_account", n->sid, acct.sid, NULL, label, out);
	if (!out->number_id)
		return -1;
	log_info("phone number claimed from the business's own account number=%s org=%s", e164,
		 org_id);
	configure(db, a, org_id, out->number_id, n->sid, acct.sid, out);
	return 0;
}

/* The row of org_id's number_id, or NULL with out->problem set. */
static struct db_result *number_row(struct db *db, struct arena *a, const char *org_id,
				    const char *number_id, struct phone_line_outcome *out)
{
	struct db_result *row = db_q(db, a, SQL_NUMBER, number_id, org_id);

	if (!row || db_rows(row) != 1) {
		out->problem = row ? "There is no such number." : "The number could not be read.";
		out->missing = row != NULL;
		return NULL;
	}
	out->number_id = number_id;
	out->e164 = db_value(row, 0, 0);
	return row;
}

int phone_line_configure(struct db *db, struct arena *a, const char *org_id,
			 const char *number_id, struct phone_line_outcome *out)
{
	*out = (struct phone_line_outcome){ 0 };
	struct db_result *row = number_row(db, a, org_id, number_id, out);
	if (!row)
		return -1;
	if (!db_value(row, 0, 1)) {
		out->problem = "This number was typed in, not connected through Twilio: connect it "
			       "one of the three ways first.";
		return -1;
	}
	if (configure(db, a, org_id, number_id, db_value(row, 0, 1), db_value(row, 0, 2),
		      out) < 0) {
		out->problem = out->warning;
		out->warning = NULL;
		return -1;
	}
	return 0;
}

int phone_line_check_start(struct db *db, struct arena *a, const char *org_id,
			   const char *number_id, struct phone_line_outcome *out)
{
	struct twilio_account acct;
	struct twilio_result tw;

	*out = (struct phone_line_outcome){ 0 };
	if (!may_connect(db, a, out))
		return -1;
	struct db_result *row = number_row(db, a, org_id, number_id, out);
	if (!row)
		return -1;
	if (strcmp(db_value(row, 0, 4), "forwarding")) {
		out->problem = "Only a forwarding number is checked with a call.";
		return -1;
	}
	if (!strcmp(db_value(row, 0, 5), "t")) {
		out->problem = "This number's forwarding is already verified.";
		return -1;
	}
	if (phone_line_account(db, a, org_id, db_value(row, 0, 2), &acct) < 0) {
		out->problem = "The check could not be started; please try again.";
		return -1;
	}
	if (twilio_place_twiml_call(a, &acct, out->e164, db_value(row, 0, 3), CHECK_TWIML,
				    &tw) < 0) {
		out->problem = twilio_problem(a, "place the check call", &tw);
		return -1;
	}
	if (db_exec(db, a, SQL_CHECK_STARTED, number_id, tw.sid) != 1) {
		out->problem = "The check call was placed but could not be noted; please try "
			       "again.";
		return -1;
	}
	log_info("forwarding check call placed number=%s to=%s call=%s", out->e164,
		 db_value(row, 0, 3), tw.sid);
	return 0;
}
