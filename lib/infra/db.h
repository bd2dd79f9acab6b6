/* db.h: the one door to PostgreSQL: parametrized, prepared statements only */
#ifndef SB_DB_H
#define SB_DB_H

#include <stdbool.h>

struct arena;
struct db;
struct db_result;

/* SQLSTATEs the domain code reacts to. */
#define DB_UNIQUE_VIOLATION "23505"
#define DB_EXCLUSION_VIOLATION "23P01"
#define DB_CHECK_VIOLATION "23514"
#define DB_RLS_VIOLATION "42501"

/*
 * Make a handle for conninfo and try to connect. A failed connection is not an error here:
 * every query first reconnects when the connection is down. The caller frees it with
 * db_close().
 */
struct db *db_open(const char *conninfo);
void db_close(struct db *db);

/* True when the connection is up (after trying to reconnect once). */
bool db_ready(struct db *db);

/*
 * Run sql (static text with $1..$n placeholders; NULL params are SQL NULL) as a prepared
 * statement, preparing it on first use on this connection. The result belongs to arena a.
 * Returns NULL after logging the error; db_sqlstate() then tells why. Outside a transaction
 * a query that finds the connection lost reconnects and is tried once more.
 */
struct db_result *db_query(struct db *db, struct arena *a, const char *sql,
			   int nparams, const char *const *params);

/* Count and list a macro's arguments: DB_ARGS() is "0, empty list". */
#define DB_ARGS(...) \
	((int)(sizeof((const char *[]){ NULL, __VA_ARGS__ }) / sizeof(const char *)) - 1), \
	((const char *const *)(const char *[]){ NULL, __VA_ARGS__ } + 1)

/* db_q(db, arena, sql, params...): db_query() with the parameters listed inline. */
#define db_q(db, a, sql, ...) db_query((db), (a), (sql), DB_ARGS(__VA_ARGS__))

/* Run a statement; returns the number of rows it affected, or -1. */
long db_exec_v(struct db *db, struct arena *a, const char *sql, int n, const char *const *params);
#define db_exec(db, a, sql, ...) db_exec_v((db), (a), (sql), DB_ARGS(__VA_ARGS__))

/* First column of the first row as text (arena-owned); NULL for no row, SQL NULL or error. */
const char *db_text_v(struct db *db, struct arena *a, const char *sql, int n, const char *const *params);
#define db_text(db, a, sql, ...) db_text_v((db), (a), (sql), DB_ARGS(__VA_ARGS__))

/* First column of the first row as a number in *out; returns 0, 1 for no row, or -1. */
int db_long_v(struct db *db, struct arena *a, long *out, const char *sql, int n,
	      const char *const *params);
#define db_long(db, a, out, sql, ...) db_long_v((db), (a), (out), (sql), DB_ARGS(__VA_ARGS__))

/* Rows and columns of a result; values are NUL-terminated text, NULL for SQL NULL. Values and
 * column names are borrowed from the result, so they live as long as its arena. */
int db_rows(const struct db_result *res);
int db_cols(const struct db_result *res);
const char *db_value(const struct db_result *res, int row, int col);
const char *db_field(const struct db_result *res, int row, const char *column);
const char *db_colname(const struct db_result *res, int col);
long db_affected(const struct db_result *res);

/*
 * Transactions. db_begin_org() opens a transaction whose row-level security shows only
 * org_id's rows (it sets app.org_id for the transaction). Each returns 0 or -1.
 */
int db_begin(struct db *db);
int db_begin_org(struct db *db, struct arena *a, const char *org_id);

/*
 * db_begin_org() and then sql, in one round trip: the first statement of a transaction with
 * its beginning. Returns sql's result (arena) with the transaction open, or NULL with nothing
 * left open (db_sqlstate() tells why).
 */
struct db_result *db_begin_org_query(struct db *db, struct arena *a, const char *org_id,
				     const char *sql, int nparams, const char *const *params);
#define db_begin_org_q(db, a, org_id, sql, ...) \
	db_begin_org_query((db), (a), (org_id), (sql), DB_ARGS(__VA_ARGS__))

/* One statement of a batch sent in one round trip: its text and parameters. */
struct db_stmt {
	const char *sql;                /* static text, as db_query() takes it */
	int nparams;
	const char *const *params;
};
/* DB_STMT(sql, params...): a struct db_stmt with the parameters listed inline. */
#define DB_STMT(sql, ...) ((struct db_stmt){ (sql), DB_ARGS(__VA_ARGS__) })
/*
 * stmt with its parameter list copied into arena a (the values themselves are not copied), so
 * a statement written with DB_STMT() can outlive the block it was written in.
 */
struct db_stmt db_stmt_keep(struct arena *a, struct db_stmt stmt);
/* The most statements one batch takes. */
#define DB_BATCH_MAX 4

/*
 * db_begin_org() and then stmts in order, in one round trip. Returns 0 with each statement's
 * result in out[i] (arena) and the transaction open, or -1 with nothing left open
 * (db_sqlstate() tells why).
 */
int db_begin_org_batch(struct db *db, struct arena *a, const char *org_id,
		       const struct db_stmt *stmts, int n, struct db_result **out);

/*
 * stmts in order and then COMMIT, in one round trip. Returns 0 with each statement's result in
 * out[i] (arena) and the work committed, or -1 with the transaction rolled back. Outside a
 * transaction, or inside db_nest_begin() or a rehearsal, the statements run one by one and the
 * outer transaction commits.
 */
int db_batch_commit(struct db *db, struct arena *a, const struct db_stmt *stmts, int n,
		    struct db_result **out);

/*
 * A transaction of its own, whole, in one round trip: db_begin_org(), stmts in order, COMMIT.
 * Returns 0 with each statement's result in out[i] (arena; out may be NULL) and the work
 * committed, or -1 with nothing kept. Inside db_nest_begin() or a rehearsal it is a savepoint
 * of the outer transaction, which commits.
 */
int db_org_transaction(struct db *db, struct arena *a, const char *org_id,
		       const struct db_stmt *stmts, int n, struct db_result **out);

/*
 * sql and then COMMIT, in one round trip: the last statement of a transaction with its end.
 * Returns sql's result (arena) with the work committed, or NULL with the transaction rolled
 * back (sql failed, or the commit did: db_sqlstate() tells which). Outside a transaction, or
 * inside db_nest_begin() or a rehearsal, it is db_query(): the outer transaction commits.
 */
struct db_result *db_query_commit(struct db *db, struct arena *a, const char *sql,
				  int nparams, const char *const *params);
#define db_q_commit(db, a, sql, ...) db_query_commit((db), (a), (sql), DB_ARGS(__VA_ARGS__))
int db_commit(struct db *db);
int db_rollback(struct db *db);
bool db_in_transaction(const struct db *db);

/*
 * A rehearsal: db_rehearse_begin() opens an outer transaction in which every later
 * db_begin() / db_commit() / db_rollback() is a savepoint that is set, released or rolled back
 * to, so code that commits its own transactions can run and see its own writes;
 * db_rehearse_end() rolls all of it back, leaving nothing (no row, no queued job). db must
 * have no transaction open. Each returns 0 or -1.
 */
int db_rehearse_begin(struct db *db);
int db_rehearse_end(struct db *db);

/*
 * One transaction for a whole piece of work: from db_nest_begin() to db_nest_end(), every
 * db_begin() / db_commit() / db_rollback() of code that keeps its own transactions is a
 * savepoint of the transaction open now, so the work becomes durable at that transaction's one
 * commit (one WAL flush instead of one per step), or not at all. db_nest_begin() returns 0, or
 * -1 when no transaction is open; inside a rehearsal both do nothing.
 */
int db_nest_begin(struct db *db);
void db_nest_end(struct db *db);

/* SQLSTATE and message of the last failed statement ("" when the last one succeeded).
 * Borrowed from db: valid until its next statement. */
const char *db_sqlstate(const struct db *db);
const char *db_error(const struct db *db);

/* The socket, for waiting on LISTEN notifications; -1 when down. */
int db_socket(struct db *db);

/* Collect pending notifications; returns how many arrived on channel (any when NULL). */
int db_notifications(struct db *db, const char *channel);

/*
 * Take the next notification that arrived on channel, reading what the socket holds first.
 * Returns 1 with its payload in *payload (arena), 0 when none is pending, or -1 when the
 * connection is lost: it is dropped, so db_ready() opens a new one, which must LISTEN again.
 */
int db_notification_take(struct db *db, struct arena *a, const char *channel,
			 const char **payload);

#endif
