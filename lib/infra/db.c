/* db.c: libpq behind one small interface: prepared statements, reconnects, tenancy */
#include "infra/db.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/log.h"
#include "infra/xalloc.h"

/* Statements are static text, so their address identifies them. */
struct db_statement {
	const char *sql;
	char name[16];
};

struct db {
	PGconn *conn;
	char *conninfo;
	struct db_statement *statements;
	int nstatements, capstatements;
	int next_statement;
	char sqlstate[6];
	char error[256];
	/* Inside db_rehearse_begin(): transactions are savepoints of one that is rolled back. */
	bool rehearsing;
	/* Inside db_nest_begin(): transactions are savepoints of the one open, committed whole. */
	bool nesting;
	int depth;
};

struct db_result {
	PGresult *res;
};

static const char SQL_SET_ORG[] = "SELECT set_config('app.org_id', $1, true)";

static void db_forget_statements(struct db *db)
{
	db->nstatements = 0;
}

static void db_set_error(struct db *db, const char *sqlstate, const char *message)
{
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", sqlstate ? sqlstate : "08000");
	snprintf(db->error, sizeof(db->error), "%s", message ? message : "");
	db->error[strcspn(db->error, "\n")] = '\0';
}

static void db_clear_error(struct db *db)
{
	db->sqlstate[0] = '\0';
	db->error[0] = '\0';
}

static void db_notice_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int db_connect(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn) {
		PQreset(db->conn);
	} else {
		db->conn = PQconnectdb(db->conninfo);
	}
	db_forget_statements(db);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_set_error(db, "08006", PQerrorMessage(db->conn));
		log_error("could not connect to the database: %s", db->error);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, db_notice_quiet, NULL);
	return 0;
}

struct db *db_open(const char *conninfo)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->conninfo = xstrdup(conninfo);
	db_connect(db);
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	free(db->statements);
	free(db->conninfo);
	free(db);
}

bool db_ready(struct db *db)
{
	return db_connect(db) == 0;
}

bool db_in_transaction(const struct db *db)
{
	if (!db->conn)
		return false;
	if (db->rehearsing || db->nesting)
		return db->depth > 0;
	PGTransactionStatusType t = PQtransactionStatus(db->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* Name of the prepared statement for sql, preparing it on this connection if needed. */
static const char *db_prepare(struct db *db, const char *sql, int nparams)
{
	for (int i = 0; i < db->nstatements; i++)
		if (db->statements[i].sql == sql)
			return db->statements[i].name;
	if (db->nstatements == db->capstatements) {
		db->capstatements = db->capstatements ? db->capstatements * 2 : 32;
		db->statements = xrealloc(db->statements,
					  (size_t)db->capstatements * sizeof(*db->statements));
	}
	struct db_statement *s = &db->statements[db->nstatements];
	snprintf(s->name, sizeof(s->name), "s%d", db->next_statement++);
	PGresult *res = PQprepare(db->conn, s->name, sql, nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_set_error(db, PQresultErrorField(res, PG_DIAG_SQLSTATE), PQerrorMessage(db->conn));
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	s->sql = sql;
	db->nstatements++;
	return s->name;
}

static PGresult *db_run(struct db *db, const char *sql, int nparams, const char *const *params)
{
	const char *name = db_prepare(db, sql, nparams);

	if (!name)
		return NULL;
	return PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
}

static void db_release_result(void *res)
{
	PQclear(res);
}

struct db_result *db_query(struct db *db, struct arena *a, const char *sql,
			   int nparams, const char *const *params)
{
	bool was_in_transaction = db_in_transaction(db) || db->rehearsing || db->nesting;

	db_clear_error(db);
	if (db_connect(db) < 0)
		return NULL;
	PGresult *res = db_run(db, sql, nparams, params);
	/* A lost connection outside a transaction loses nothing: reconnect and try again. */
	if (PQstatus(db->conn) == CONNECTION_BAD && !was_in_transaction) {
		PQclear(res);
		log_warn("database connection lost, reconnecting");
		if (db_connect(db) < 0)
			return NULL;
		res = db_run(db, sql, nparams, params);
	}
	if (!res) {
		if (!db->sqlstate[0])
			db_set_error(db, "08006", PQerrorMessage(db->conn));
		log_error("could not run statement: %s (sqlstate %s)", db->error, db->sqlstate);
		return NULL;
	}
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		db_set_error(db, PQresultErrorField(res, PG_DIAG_SQLSTATE),
			     PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		/* Constraint violations are answers the caller expects, not faults. */
		if (db->sqlstate[0] == '2' && db->sqlstate[1] == '3')
			log_info("statement refused: %s (sqlstate %s)", db->error, db->sqlstate);
		else
			log_error("could not run statement: %s (sqlstate %s)", db->error, db->sqlstate);
		PQclear(res);
		return NULL;
	}
	struct db_result *r = arena_alloc(a, sizeof(*r));
	r->res = res;
	arena_defer(a, db_release_result, res);
	return r;
}

long db_exec_v(struct db *db, struct arena *a, const char *sql, int n, const char *const *params)
{
	struct db_result *r = db_query(db, a, sql, n, params);
	return r ? db_affected(r) : -1;
}

const char *db_text_v(struct db *db, struct arena *a, const char *sql, int n, const char *const *params)
{
	struct db_result *r = db_query(db, a, sql, n, params);

	if (!r || db_rows(r) < 1 || db_cols(r) < 1)
		return NULL;
	return db_value(r, 0, 0);
}

int db_long_v(struct db *db, struct arena *a, long *out, const char *sql, int n,
	      const char *const *params)
{
	struct db_result *r = db_query(db, a, sql, n, params);

	if (!r)
		return -1;
	if (db_rows(r) < 1 || db_cols(r) < 1 || !db_value(r, 0, 0))
		return 1;
	*out = strtol(db_value(r, 0, 0), NULL, 10);
	return 0;
}

int db_rows(const struct db_result *r)
{
	return PQntuples(r->res);
}

int db_cols(const struct db_result *r)
{
	return PQnfields(r->res);
}

const char *db_value(const struct db_result *r, int row, int col)
{
	if (row < 0 || row >= PQntuples(r->res) || col < 0 || col >= PQnfields(r->res))
		return NULL;
	if (PQgetisnull(r->res, row, col))
		return NULL;
	return PQgetvalue(r->res, row, col);
}

const char *db_field(const struct db_result *r, int row, const char *column)
{
	return db_value(r, row, PQfnumber(r->res, column));
}

const char *db_colname(const struct db_result *r, int col)
{
	return PQfname(r->res, col);
}

long db_affected(const struct db_result *r)
{
	const char *n = PQcmdTuples(r->res);
	return *n ? strtol(n, NULL, 10) : 0;
}

/* Transaction control goes through simple queries: nothing to bind, nothing to prepare. */
static int db_simple(struct db *db, const char *command)
{
	db_clear_error(db);
	if (db_connect(db) < 0)
		return -1;
	PGresult *res = PQexec(db->conn, command);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_set_error(db, PQresultErrorField(res, PG_DIAG_SQLSTATE), PQerrorMessage(db->conn));
		log_error("could not %s: %s", command, db->error);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int db_begin(struct db *db)
{
	if (db->rehearsing || db->nesting) {
		if (db_simple(db, "SAVEPOINT rehearsal") < 0)
			return -1;
		db->depth++;
		return 0;
	}
	if (db_simple(db, "BEGIN") == 0)
		return 0;
	/* BEGIN itself may be what discovers a restarted server; nothing is lost by retrying. */
	if (PQstatus(db->conn) == CONNECTION_BAD)
		return db_simple(db, "BEGIN");
	return -1;
}

/* The longest pipeline: BEGIN, app.org_id, DB_BATCH_MAX statements and COMMIT. */
#define PIPE_STEPS_MAX (DB_BATCH_MAX + 3)

/* One statement of a pipeline: a transaction command, or a statement with its parameters. */
struct pipe_step {
	const char *command;            /* BEGIN, SAVEPOINT, COMMIT; NULL for a statement */
	const char *sql;                /* the statement, prepared on first use */
	int nparams;
	const char *const *params;
};

/* Clear the n results of a pipeline. */
static void pipe_results_clear(PGresult **kept, int n)
{
	for (int i = 0; i < n; i++) {
		PQclear(kept[i]);
		kept[i] = NULL;
	}
}

/*
 * Send steps together in one round trip (libpq's pipeline mode) and read every answer. Each
 * statement's result goes to kept[i] (the caller clears them; a command's slot stays NULL)
 * when every step succeeded; after a failure the server skips the rest, db holds the error and
 * nothing is kept. Returns how many steps succeeded.
 */
static int db_pipeline(struct db *db, const struct pipe_step *steps, int n, PGresult **kept)
{
	const char *names[PIPE_STEPS_MAX];
	int failed = 0, results = 0, nulls = 0;

	for (int i = 0; i < n; i++)
		kept[i] = NULL;
	if (n > PIPE_STEPS_MAX)
		return 0;
	db_clear_error(db);
	if (db_connect(db) < 0)
		return 0;
	/* Preparing is a round trip of its own, once per statement and connection. */
	for (int i = 0; i < n; i++)
		if (!steps[i].command && !(names[i] = db_prepare(db, steps[i].sql,
								  steps[i].nparams)))
			return 0;
	if (!PQenterPipelineMode(db->conn))
		return 0;
	for (int i = 0; i < n && !failed; i++)
		failed = steps[i].command
			? !PQsendQueryParams(db->conn, steps[i].command, 0, NULL, NULL, NULL, NULL, 0)
			: !PQsendQueryPrepared(db->conn, names[i], steps[i].nparams, steps[i].params,
					       NULL, NULL, 0);
	if (failed || !PQpipelineSync(db->conn)) {
		db_set_error(db, "08006", PQerrorMessage(db->conn));
		failed = 1;
	}
	/* Each statement's result and then a NULL; the sync's result ends the answers. */
	while (!failed && nulls < 2) {
		PGresult *res = PQgetResult(db->conn);
		if (!res) {
			if (PQstatus(db->conn) != CONNECTION_OK)
				break;
			nulls++;
			continue;
		}
		nulls = 0;
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			/* Answers come in order, and none succeeds after a failure. */
			if (results < n && !steps[results].command) {
				kept[results++] = res;
				continue;
			}
			results++;
		} else if (!db->sqlstate[0]) {
			db_set_error(db, st == PGRES_PIPELINE_ABORTED ? "25P02" :
					 PQresultErrorField(res, PG_DIAG_SQLSTATE),
				     PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		}
		PQclear(res);
	}
	if (!PQexitPipelineMode(db->conn)) {
		/* Answers left unread: the connection can no longer be trusted. */
		PQreset(db->conn);
		db_forget_statements(db);
		results = 0;
	}
	if (results < n) {
		pipe_results_clear(kept, n);
		if (!db->sqlstate[0])
			db_set_error(db, "08006", PQerrorMessage(db->conn));
	}
	return results;
}

/* res as a result of arena a. */
static struct db_result *db_result_keep(struct arena *a, PGresult *res)
{
	struct db_result *r = arena_alloc(a, sizeof(*r));

	r->res = res;
	arena_defer(a, db_release_result, res);
	return r;
}

/* Run a transaction command after a failure, keeping the failure's error for the caller. */
static int db_simple_after_error(struct db *db, const char *command)
{
	char sqlstate[sizeof(db->sqlstate)], error[sizeof(db->error)];

	memcpy(sqlstate, db->sqlstate, sizeof(sqlstate));
	memcpy(error, db->error, sizeof(error));
	int rc = db_simple(db, command);
	memcpy(db->sqlstate, sqlstate, sizeof(sqlstate));
	memcpy(db->error, error, sizeof(error));
	return rc;
}

/* A transaction begun half-way (BEGIN ran, what followed failed) is rolled back. */
static void db_begin_undo(struct db *db, bool savepoint, int done)
{
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return;
	if (!savepoint && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		db_simple_after_error(db, "ROLLBACK");
	else if (savepoint && done >= 1 &&
		 db_simple_after_error(db, "ROLLBACK TO SAVEPOINT rehearsal") == 0)
		db_simple_after_error(db, "RELEASE SAVEPOINT rehearsal");
}

int db_begin_org(struct db *db, struct arena *a, const char *org_id)
{
	bool savepoint = db->rehearsing || db->nesting;
	const char *params[1] = { org_id };
	const struct pipe_step steps[] = {
		{ .command = savepoint ? "SAVEPOINT rehearsal" : "BEGIN" },
		{ .sql = SQL_SET_ORG, .nparams = 1, .params = params },
	};
	PGresult *kept[2];
	int done = db_pipeline(db, steps, 2, kept);

	if (done == 2) {
		pipe_results_clear(kept, 2);
		if (savepoint)
			db->depth++;
		return 0;
	}
	log_error("could not %s: %s", steps[0].command, db->error);
	/* The server answered with an error: undo what half-succeeded. */
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK) {
		db_begin_undo(db, savepoint, done);
		return -1;
	}
	/* The connection was lost (a restarted server): the plain way reconnects and retries. */
	if (savepoint)
		return -1;
	if (db_begin(db) < 0)
		return -1;
	if (!db_q(db, a, SQL_SET_ORG, org_id)) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

struct db_stmt db_stmt_keep(struct arena *a, struct db_stmt stmt)
{
	const char **params = arena_alloc(a, (size_t)(stmt.nparams ? stmt.nparams : 1) *
					 sizeof(*params));

	for (int i = 0; i < stmt.nparams; i++)
		params[i] = stmt.params[i];
	stmt.params = params;
	return stmt;
}

int db_begin_org_batch(struct db *db, struct arena *a, const char *org_id,
		       const struct db_stmt *stmts, int n, struct db_result **out)
{
	bool savepoint = db->rehearsing || db->nesting;
	const char *org[1] = { org_id };
	struct pipe_step steps[PIPE_STEPS_MAX] = {
		{ .command = savepoint ? "SAVEPOINT rehearsal" : "BEGIN" },
		{ .sql = SQL_SET_ORG, .nparams = 1, .params = org },
	};
	PGresult *kept[PIPE_STEPS_MAX];

	if (n < 1 || n > DB_BATCH_MAX)
		return -1;
	for (int i = 0; i < n; i++)
		steps[2 + i] = (struct pipe_step){ .sql = stmts[i].sql,
						   .nparams = stmts[i].nparams,
						   .params = stmts[i].params };
	int done = db_pipeline(db, steps, n + 2, kept);

	if (done == n + 2) {
		PQclear(kept[1]);       /* app.org_id's set_config() */
		if (savepoint)
			db->depth++;
		for (int i = 0; i < n; i++)
			out[i] = db_result_keep(a, kept[2 + i]);
		return 0;
	}
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK) {
		log_error("could not begin with a statement: %s (sqlstate %s)", db->error,
			  db->sqlstate);
		db_begin_undo(db, savepoint, done);
		return -1;
	}
	/* The connection was lost: one step at a time, which reconnects. */
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (!(out[i] = db_query(db, a, stmts[i].sql, stmts[i].nparams, stmts[i].params))) {
			db_rollback(db);
			return -1;
		}
	return 0;
}

struct db_result *db_begin_org_query(struct db *db, struct arena *a, const char *org_id,
				     const char *sql, int nparams, const char *const *params)
{
	const struct db_stmt stmt = { sql, nparams, params };
	struct db_result *out;

	return db_begin_org_batch(db, a, org_id, &stmt, 1, &out) == 0 ? out : NULL;
}

int db_batch_commit(struct db *db, struct arena *a, const struct db_stmt *stmts, int n,
		    struct db_result **out)
{
	struct pipe_step steps[PIPE_STEPS_MAX];
	PGresult *kept[PIPE_STEPS_MAX];

	if (n < 1 || n > DB_BATCH_MAX)
		return -1;
	/* A savepoint's work is the outer transaction's to commit. */
	if (db->rehearsing || db->nesting || !db_in_transaction(db)) {
		for (int i = 0; i < n; i++)
			if (!(out[i] = db_query(db, a, stmts[i].sql, stmts[i].nparams,
						stmts[i].params)))
				return -1;
		return 0;
	}
	for (int i = 0; i < n; i++)
		steps[i] = (struct pipe_step){ .sql = stmts[i].sql, .nparams = stmts[i].nparams,
					       .params = stmts[i].params };
	steps[n] = (struct pipe_step){ .command = "COMMIT" };
	int done = db_pipeline(db, steps, n + 1, kept);

	if (done == n + 1) {
		for (int i = 0; i < n; i++)
			out[i] = db_result_keep(a, kept[i]);
		return 0;
	}
	log_error("could not run statements and commit: %s (sqlstate %s)", db->error,
		  db->sqlstate);
	/* A statement failed (the COMMIT never ran) or the commit did: nothing is kept. */
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		db_simple_after_error(db, "ROLLBACK");
	return -1;
}

int db_org_transaction(struct db *db, struct arena *a, const char *org_id,
		       const struct db_stmt *stmts, int n, struct db_result **out)
{
	const char *org[1] = { org_id };
	struct pipe_step steps[PIPE_STEPS_MAX] = {
		{ .command = "BEGIN" },
		{ .sql = SQL_SET_ORG, .nparams = 1, .params = org },
	};
	PGresult *kept[PIPE_STEPS_MAX];
	struct db_result *ignored[DB_BATCH_MAX];

	if (n < 1 || n > DB_BATCH_MAX)
		return -1;
	out = out ? out : ignored;
	/* A savepoint's work is the outer transaction's to commit. */
	if (db->rehearsing || db->nesting) {
		if (db_begin_org_batch(db, a, org_id, stmts, n, out) < 0)
			return -1;
		return db_commit(db);
	}
	for (int i = 0; i < n; i++)
		steps[2 + i] = (struct pipe_step){ .sql = stmts[i].sql,
						   .nparams = stmts[i].nparams,
						   .params = stmts[i].params };
	steps[n + 2] = (struct pipe_step){ .command = "COMMIT" };
	int done = db_pipeline(db, steps, n + 3, kept);

	if (done == n + 3) {
		PQclear(kept[1]);       /* app.org_id's set_config() */
		for (int i = 0; i < n; i++)
			out[i] = db_result_keep(a, kept[2 + i]);
		return 0;
	}
	log_error("could not run a transaction: %s (sqlstate %s)", db->error, db->sqlstate);
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK) {
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
			db_simple_after_error(db, "ROLLBACK");
		return -1;
	}
	/* A server restarted since the last statement is found by the first step: nothing ran,
	 * so the plain way, which reconnects, tries again. Once a step has run, the commit's
	 * outcome is not known, and the work is not done twice. */
	if (done > 0)
		return -1;
	if (db_begin_org_batch(db, a, org_id, stmts, n, out) < 0)
		return -1;
	return db_commit(db);
}

struct db_result *db_query_commit(struct db *db, struct arena *a, const char *sql,
				  int nparams, const char *const *params)
{
	const struct db_stmt stmt = { sql, nparams, params };
	struct db_result *out;

	return db_batch_commit(db, a, &stmt, 1, &out) == 0 ? out : NULL;
}

int db_commit(struct db *db)
{
	if (db->rehearsing || db->nesting) {
		if (db->depth <= 0)
			return -1;
		db->depth--;
		/* RELEASE keeps the work for the outer transaction, which still rolls it back. */
		return db_simple(db, "RELEASE SAVEPOINT rehearsal");
	}
	return db_simple(db, "COMMIT");
}

int db_rollback(struct db *db)
{
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK || !db_in_transaction(db))
		return 0;
	if (db->rehearsing || db->nesting) {
		db->depth--;
		if (db_simple(db, "ROLLBACK TO SAVEPOINT rehearsal") < 0)
			return -1;
		return db_simple(db, "RELEASE SAVEPOINT rehearsal");
	}
	return db_simple(db, "ROLLBACK");
}

int db_rehearse_begin(struct db *db)
{
	if (db->rehearsing || db_in_transaction(db) || db_simple(db, "BEGIN") < 0)
		return -1;
	db->rehearsing = true;
	db->depth = 0;
	return 0;
}

int db_rehearse_end(struct db *db)
{
	if (!db->rehearsing)
		return 0;
	db->rehearsing = false;
	db->depth = 0;
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK ||
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return 0;
	return db_simple(db, "ROLLBACK");
}

int db_nest_begin(struct db *db)
{
	if (db->rehearsing)
		return 0;
	if (!db->conn || PQtransactionStatus(db->conn) != PQTRANS_INTRANS)
		return -1;
	db->nesting = true;
	db->depth = 0;
	return 0;
}

void db_nest_end(struct db *db)
{
	if (db->rehearsing)
		return;
	db->nesting = false;
	db->depth = 0;
}

const char *db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

const char *db_error(const struct db *db)
{
	return db->error;
}

int db_socket(struct db *db)
{
	if (db_connect(db) < 0)
		return -1;
	return PQsocket(db->conn);
}

int db_notifications(struct db *db, const char *channel)
{
	int count = 0;
	PGnotify *n;

	if (!db->conn || !PQconsumeInput(db->conn))
		return 0;
	while ((n = PQnotifies(db->conn))) {
		if (!channel || !strcmp(n->relname, channel))
			count++;
		PQfreemem(n);
	}
	return count;
}

int db_notification_take(struct db *db, struct arena *a, const char *channel,
			 const char **payload)
{
	PGnotify *n;

	*payload = NULL;
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK || !PQconsumeInput(db->conn)) {
		if (db->conn) {
			log_warn("the database connection was lost: %s", PQerrorMessage(db->conn));
			PQfinish(db->conn);
			db->conn = NULL;
		}
		return -1;
	}
	while ((n = PQnotifies(db->conn))) {
		if (!strcmp(n->relname, channel)) {
			*payload = arena_strdup(a, n->extra);
			PQfreemem(n);
			return 1;
		}
		PQfreemem(n);
	}
	return 0;
}
