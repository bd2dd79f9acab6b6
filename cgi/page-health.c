/* page-health.c: /healthz (the process answers) and /readyz (the database is ready) */
#include <string.h>

#include "answer.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "pages.h"
#include "req.h"

#ifndef LATEST_MIGRATION
#error "the build defines LATEST_MIGRATION from the newest file in sql/"
#endif

static const char SQL_NEWEST_MIGRATION[] =
	"SELECT max(version) FROM schema_migrations";

void page_healthz(struct req *r)
{
	http_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

void page_readyz(struct req *r)
{
	const char *want = conf_str("EXPECTED_MIGRATION");
	const char *have = db_text(r->db, r->arena, SQL_NEWEST_MIGRATION);

	if (!*want)
		want = LATEST_MIGRATION;
	/* Load balancers read the status; the text is for the engineer with curl. */
	if (!have) {
		http_send(r, 503, "text/plain; charset=utf-8", "database not reachable\n", 23);
		return;
	}
	if (strcmp(have, want) < 0) {
		http_send(r, 503, "text/plain; charset=utf-8", "database missing migrations\n", 28);
		return;
	}
	http_send(r, 200, "text/plain; charset=utf-8", "ready\n", 6);
}
