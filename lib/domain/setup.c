/* setup.c: checks that a call mode or the texts switch can work before the owner relies on it */
#include <stdbool.h>
#include <string.h>

#include "domain/credentials.h"
#include "domain/setup.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "provider/twilio_rest.h"

static const char SQL_VERIFIED_NUMBERS[] =
	"SELECT count(*) FROM phone_numbers "
	"WHERE org_id = $1 AND active AND verified_at IS NOT NULL";

int setup_call_mode_problem(struct db *db, struct arena *a, const char *org_id, const char *mode,
			    const char **problem)
{
	*problem = NULL;
	if (!strcmp(mode, "stream")) {
		struct provider_settings p;
		if (credential_provider_settings(db, a, org_id, &p) < 0)
			return -1;
		if (!*p.deepgram_key || !*conf_str("DEEPGRAM_URL"))
			*problem = "Stream mode needs speech recognition: add a Deepgram key under "
				   "Provider keys, or choose gather mode.";
		return 0;
	}
	if (!strcmp(mode, "vapi")) {
		if (strncmp(conf_str("PUBLIC_BASE_URL"), "https://", 8)) {
			*problem = arena_printf(a, "Vapi mode needs a server URL Vapi can reach over "
						"https, and this server's address is %s: set "
						"PUBLIC_BASE_URL to its https address, or choose "
						"gather mode.", conf_str("PUBLIC_BASE_URL"));
			return 0;
		}
		const char *secret = credential_get(db, a, org_id, "vapi", "server_secret");
		if (!secret && *db_sqlstate(db))
			return -1;
		if (!secret || !*secret)
			*problem = "Vapi mode needs your Vapi server secret, so Vapi's messages can be "
				   "told from forgeries: save it under Provider keys and choose how "
				   "Vapi sends it under Settings > Vapi, or choose gather mode.";
	}
	return 0;
}

int setup_sms_problem(struct db *db, struct arena *a, const char *org_id, const char **problem)
{
	struct twilio_account acct;
	long numbers;

	*problem = NULL;
	if (credential_twilio_account(db, a, org_id, &acct, NULL) < 0)
		return -1;
	if (!twilio_account_usable(&acct)) {
		*problem = "Texts need a Twilio account to send them: save your Account SID and auth "
			   "token under Provider keys, or leave texts off (they are then only "
			   "logged).";
		return 0;
	}
	if (db_long(db, a, &numbers, SQL_VERIFIED_NUMBERS, org_id) < 0)
		return -1;
	if (numbers == 0)
		*problem = "Texts need a verified number to send from: connect one under Phone line, "
			   "or leave texts off (they are then only logged).";
	return 0;
}
