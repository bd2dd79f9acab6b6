/* test_db.c: the database door against a real PostgreSQL (SB_DSN_OWNER from scripts/test) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/db.h"

static const char SQL_ECHO[] = "SELECT $1::text, $2::text IS NULL";
static const char SQL_PID[] = "SELECT pg_backend_pid()::text";
static const char SQL_KILL[] = "SELECT pg_terminate_backend($1::int)";
static const char SQL_TEMP[] = "CREATE TEMP TABLE IF NOT EXISTS t (k int PRIMARY KEY)";
static const char SQL_INSERT[] = "INSERT INTO t VALUES (1)";
static const char SQL_ORG[] = "SELECT current_setting('app.org_id', true)";
static const char SQL_LISTEN[] = "LISTEN test_db_channel";
static const char SQL_NOTIFY[] = "SELECT pg_notify($1, $2)";

static const char *dsn(void)
{
	const char *d = getenv("SB_DSN_OWNER");
	if (!d)
		fail_msg("SB_DSN_OWNER is not set: run through scripts/test");
	return d;
}

static void test_parameters_and_nulls(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn());

	for (int i = 0; i < 3; i++) {  /* the second and third runs reuse the prepared statement */
		struct db_result *r = db_q(db, a, SQL_ECHO, "O'Brien; DROP TABLE x", NULL);
		assert_non_null(r);
		assert_string_equal(db_value(r, 0, 0), "O'Brien; DROP TABLE x");
		assert_string_equal(db_value(r, 0, 1), "t");
		assert_null(db_value(r, 1, 0));
	}
	db_close(db);
	arena_free(a);
}

static void test_constraint_violation_reports_sqlstate(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn());

	assert_true(db_exec(db, a, SQL_TEMP) >= 0);
	assert_int_equal(db_exec(db, a, SQL_INSERT), 1);
	assert_int_equal(db_exec(db, a, SQL_INSERT), -1);
	assert_string_equal(db_sqlstate(db), DB_UNIQUE_VIOLATION);
	assert_non_null(db_text(db, a, SQL_PID));
	assert_string_equal(db_sqlstate(db), "");
	db_close(db);
	arena_free(a);
}

static void test_reconnects_after_the_server_drops_it(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn()), *killer = db_open(dsn());
	char *before = arena_strdup(a, db_text(db, a, SQL_PID));

	assert_non_null(before);
	assert_non_null(db_text(killer, a, SQL_KILL, before));
	/* The next statement finds the connection gone, reconnects and runs. */
	const char *after = db_text(db, a, SQL_PID);
	assert_non_null(after);
	assert_string_not_equal(before, after);
	db_close(killer);
	db_close(db);
	arena_free(a);
}

static void test_no_silent_retry_inside_a_transaction(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn()), *killer = db_open(dsn());

	assert_int_equal(db_begin(db), 0);
	const char *pid = arena_strdup(a, db_text(db, a, SQL_PID));
	assert_non_null(db_text(killer, a, SQL_KILL, pid));
	/* Half a transaction must not be replayed on a new connection. */
	assert_null(db_text(db, a, SQL_PID));
	assert_false(db_in_transaction(db));
	assert_non_null(db_text(db, a, SQL_PID));
	db_close(killer);
	db_close(db);
	arena_free(a);
}

static void test_org_setting_lasts_one_transaction(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn());
	const char *org = "ac3e0000-0000-4000-8000-000000000001";

	assert_int_equal(db_begin_org(db, a, org), 0);
	assert_string_equal(db_text(db, a, SQL_ORG), org);
	assert_int_equal(db_commit(db), 0);
	const char *after = db_text(db, a, SQL_ORG);
	assert_true(after == NULL || !strcmp(after, ""));
	db_close(db);
	arena_free(a);
}

static const char SQL_REHEARSAL_TABLE[] =
	"CREATE TEMP TABLE IF NOT EXISTS rehearsed (k int PRIMARY KEY) ON COMMIT PRESERVE ROWS";
static const char SQL_REHEARSAL_INSERT[] = "INSERT INTO rehearsed VALUES ($1::int)";
static const char SQL_REHEARSAL_COUNT[] = "SELECT count(*)::text FROM rehearsed";

static void test_a_rehearsal_keeps_nothing(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn());
	const char *org = "ac3e0000-0000-4000-8000-000000000001";

	assert_true(db_exec(db, a, SQL_REHEARSAL_TABLE) >= 0);
	assert_int_equal(db_rehearse_begin(db), 0);
	assert_false(db_in_transaction(db));
	/* Committed work is seen by what follows; rolled-back work is gone at once. */
	assert_int_equal(db_begin_org(db, a, org), 0);
	assert_true(db_in_transaction(db));
	assert_string_equal(db_text(db, a, SQL_ORG), org);
	assert_int_equal(db_exec(db, a, SQL_REHEARSAL_INSERT, "1"), 1);
	assert_int_equal(db_commit(db), 0);
	assert_false(db_in_transaction(db));
	assert_string_equal(db_text(db, a, SQL_REHEARSAL_COUNT), "1");
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, a, SQL_REHEARSAL_INSERT, "2"), 1);
	assert_int_equal(db_exec(db, a, SQL_REHEARSAL_INSERT, "2"), -1);  /* an aborted one */
	assert_int_equal(db_rollback(db), 0);
	assert_string_equal(db_text(db, a, SQL_REHEARSAL_COUNT), "1");
	/* A rehearsal cannot nest, and its end rolls everything back. */
	assert_int_equal(db_rehearse_begin(db), -1);
	assert_int_equal(db_rehearse_end(db), 0);
	assert_string_equal(db_text(db, a, SQL_REHEARSAL_COUNT), "0");
	/* Afterwards transactions are real ones again. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, a, SQL_REHEARSAL_INSERT, "3"), 1);
	assert_int_equal(db_commit(db), 0);
	assert_string_equal(db_text(db, a, SQL_REHEARSAL_COUNT), "1");
	db_close(db);
	arena_free(a);
}

static const char SQL_NESTED_TABLE[] =
	"CREATE TEMP TABLE IF NOT EXISTS nested (k int PRIMARY KEY) ON COMMIT PRESERVE ROWS";
static const char SQL_NESTED_INSERT[] = "INSERT INTO nested VALUES ($1::int)";
static const char SQL_NESTED_COUNT[] = "SELECT count(*)::text FROM nested";
static const char SQL_NESTED_EMPTY[] = "TRUNCATE nested";

/* Inner transactions are savepoints: an inner failure undoes only itself, and nothing is kept
 * until the outer commit, or at all when the outer transaction rolls back. */
static void test_nested_transactions_commit_once(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn());
	const char *org = "ac3e0000-0000-4000-8000-000000000001";

	assert_true(db_exec(db, a, SQL_NESTED_TABLE) >= 0);
	assert_int_equal(db_nest_begin(db), -1);  /* no transaction open */
	for (int keep = 1; keep >= 0; keep--) {
		assert_int_equal(db_begin(db), 0);
		assert_int_equal(db_exec(db, a, SQL_NESTED_INSERT, "1"), 1);
		assert_int_equal(db_nest_begin(db), 0);
		assert_false(db_in_transaction(db));
		assert_int_equal(db_begin_org(db, a, org), 0);
		assert_string_equal(db_text(db, a, SQL_ORG), org);
		assert_int_equal(db_exec(db, a, SQL_NESTED_INSERT, "2"), 1);
		assert_int_equal(db_commit(db), 0);
		assert_int_equal(db_begin(db), 0);
		assert_int_equal(db_exec(db, a, SQL_NESTED_INSERT, "2"), -1);  /* aborted */
		assert_true(db_in_transaction(db));
		assert_int_equal(db_rollback(db), 0);
		assert_false(db_in_transaction(db));
		db_nest_end(db);
		assert_true(db_in_transaction(db));
		assert_string_equal(db_text(db, a, SQL_NESTED_COUNT), "2");
		assert_int_equal(keep ? db_commit(db) : db_rollback(db), 0);
		assert_false(db_in_transaction(db));
		assert_string_equal(db_text(db, a, SQL_NESTED_COUNT), keep ? "2" : "0");
		if (keep)
			assert_true(db_exec(db, a, SQL_NESTED_EMPTY) >= 0);
	}
	db_close(db);
	arena_free(a);
}

static void test_notifications_are_taken_in_order_and_a_lost_connection_said(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open(dsn()), *other = db_open(dsn());
	const char *payload;

	assert_true(db_exec(db, a, SQL_LISTEN) >= 0);
	assert_int_equal(db_notification_take(db, a, "test_db_channel", &payload), 0);
	assert_non_null(db_text(other, a, SQL_NOTIFY, "elsewhere", "not ours"));
	assert_non_null(db_text(other, a, SQL_NOTIFY, "test_db_channel", "first"));
	assert_non_null(db_text(other, a, SQL_NOTIFY, "test_db_channel", "second"));
	/* Another session's notifications arrive once its transaction commits: wait for them. */
	int rc = 0;
	for (int i = 0; i < 100 && rc == 0; i++) {
		rc = db_notification_take(db, a, "test_db_channel", &payload);
		if (rc == 0)
			usleep(20000);
	}
	assert_int_equal(rc, 1);
	assert_string_equal(payload, "first");
	for (int i = 0; i < 100 && (rc = db_notification_take(db, a, "test_db_channel",
								&payload)) == 0; i++)
		usleep(20000);
	assert_int_equal(rc, 1);
	assert_string_equal(payload, "second");

	/* The server ends the session: said as -1, and the next statement connects anew. */
	const char *pid = arena_strdup(a, db_text(db, a, SQL_PID));
	assert_non_null(db_text(other, a, SQL_KILL, pid));
	for (int i = 0; i < 100 && (rc = db_notification_take(db, a, "test_db_channel",
								&payload)) == 0; i++)
		usleep(20000);
	assert_int_equal(rc, -1);
	assert_null(payload);
	assert_true(db_ready(db));
	assert_string_not_equal(db_text(db, a, SQL_PID), pid);
	db_close(other);
	db_close(db);
	arena_free(a);
}

static const char SQL_PERM[] = "CREATE TABLE IF NOT EXISTS test_db_kept (k text PRIMARY KEY)";
static const char SQL_KEEP[] = "INSERT INTO test_db_kept VALUES ($1) RETURNING k";
static const char SQL_KEPT[] = "SELECT count(*) FROM test_db_kept WHERE k = $1";
static const char SQL_BAD[] = "SELECT 1 / 0";

/* What the transaction tests share: two connections and a table kept between them. */
struct kept {
	struct arena *a;
	struct db *db, *other;
};
#define KEPT_ORG "00000000-0000-4000-8000-0000000000ab"
#define KEPT_TEST(t) cmocka_unit_test_setup_teardown(t, kept_setup, kept_teardown)

static int kept_setup(void **state)
{
	struct kept *k = calloc(1, sizeof(*k));

	k->a = arena_new();
	k->db = db_open(dsn());
	k->other = db_open(dsn());
	*state = k;
	return db_exec(k->db, k->a, SQL_PERM) >= 0 ? 0 : -1;
}

static int kept_teardown(void **state)
{
	struct kept *k = *state;
	int rc = db_exec(k->db, k->a, "DROP TABLE test_db_kept") >= 0 ? 0 : -1;

	db_close(k->other);
	db_close(k->db);
	arena_free(k->a);
	free(k);
	return rc;
}

static void test_a_transaction_begins_and_ends_with_a_statement_in_one_round_trip(void **state)
{
	struct kept *k = *state;
	struct arena *a = k->a;
	struct db *db = k->db, *other = k->other;
	const char *org = KEPT_ORG;
	long n = -1;

	/* Begun with the business set and the statement answered; ended with the last one. */
	struct db_result *r = db_begin_org_q(db, a, org, SQL_ORG);
	assert_non_null(r);
	assert_string_equal(db_value(r, 0, 0), org);
	assert_true(db_in_transaction(db));
	assert_non_null(db_q(db, a, SQL_KEEP, "first"));
	r = db_q_commit(db, a, SQL_KEEP, "second");
	assert_non_null(r);
	assert_string_equal(db_value(r, 0, 0), "second");
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "first"), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "second"), 0);
	assert_int_equal(n, 1);

	/* A last statement that fails keeps nothing of the transaction, and says why. */
	assert_non_null(db_begin_org_q(db, a, org, SQL_KEEP, "third"));
	assert_null(db_q_commit(db, a, SQL_KEEP, "second"));
	assert_string_equal(db_sqlstate(db), DB_UNIQUE_VIOLATION);
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "third"), 0);
	assert_int_equal(n, 0);

	/* A first statement that fails leaves no transaction open; the connection goes on. */
	assert_null(db_begin_org_q(db, a, org, SQL_BAD));
	assert_string_equal(db_sqlstate(db), "22012");
	assert_false(db_in_transaction(db));
	assert_non_null(db_text(db, a, SQL_PID));
}

static void test_batches_answer_every_statement_in_one_round_trip(void **state)
{
	struct kept *k = *state;
	struct arena *a = k->a;
	struct db *db = k->db, *other = k->other;
	const char *org = KEPT_ORG;
	struct db_result *out[DB_BATCH_MAX];
	long n = -1;

	/* Begun with the business set, every statement answered in order. */
	const struct db_stmt first[] = { DB_STMT(SQL_ORG), DB_STMT(SQL_KEEP, "one") };
	assert_int_equal(db_begin_org_batch(db, a, org, first, 2, out), 0);
	assert_string_equal(db_value(out[0], 0, 0), org);
	assert_string_equal(db_value(out[1], 0, 0), "one");
	assert_true(db_in_transaction(db));
	/* Ended with the last statements and the commit. */
	const struct db_stmt last[] = { DB_STMT(SQL_KEEP, "two"), DB_STMT(SQL_KEEP, "three") };
	assert_int_equal(db_batch_commit(db, a, last, 2, out), 0);
	assert_string_equal(db_value(out[0], 0, 0), "two");
	assert_string_equal(db_value(out[1], 0, 0), "three");
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "three"), 0);
	assert_int_equal(n, 1);

	/* A statement that fails in the middle keeps nothing of the batch or the transaction. */
	const struct db_stmt clash[] = { DB_STMT(SQL_KEEP, "four"), DB_STMT(SQL_KEEP, "one"),
					 DB_STMT(SQL_KEEP, "five") };
	assert_non_null(db_begin_org_q(db, a, org, SQL_KEEP, "six"));
	assert_int_equal(db_batch_commit(db, a, clash, 3, out), -1);
	assert_string_equal(db_sqlstate(db), DB_UNIQUE_VIOLATION);
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n,
				 "SELECT count(*) FROM test_db_kept WHERE k IN ('four', 'five', 'six')"),
			 0);
	assert_int_equal(n, 0);
	/* So does one that fails right after the transaction began. */
	const struct db_stmt bad[] = { DB_STMT(SQL_KEEP, "seven"), DB_STMT(SQL_BAD) };
	assert_int_equal(db_begin_org_batch(db, a, org, bad, 2, out), -1);
	assert_string_equal(db_sqlstate(db), "22012");
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "seven"), 0);
	assert_int_equal(n, 0);
	/* More statements than a batch takes is refused, sending nothing. */
	const struct db_stmt many[DB_BATCH_MAX + 1] = { DB_STMT(SQL_ORG) };
	assert_int_equal(db_begin_org_batch(db, a, org, many, DB_BATCH_MAX + 1, out), -1);
	assert_false(db_in_transaction(db));
}

static void test_a_whole_transaction_goes_in_one_round_trip(void **state)
{
	struct kept *k = *state;
	struct arena *a = k->a;
	struct db *db = k->db, *other = k->other;
	const char *org = KEPT_ORG;
	struct db_result *out[DB_BATCH_MAX];
	long n = -1;

	/* Committed, with every statement's answer, and nothing left open. */
	const struct db_stmt both[] = { DB_STMT(SQL_ORG), DB_STMT(SQL_KEEP, "whole") };
	assert_int_equal(db_org_transaction(db, a, org, both, 2, out), 0);
	assert_string_equal(db_value(out[0], 0, 0), org);
	assert_string_equal(db_value(out[1], 0, 0), "whole");
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "whole"), 0);
	assert_int_equal(n, 1);
	/* A statement that fails keeps nothing of the others, and the connection goes on. */
	const struct db_stmt clash[] = { DB_STMT(SQL_KEEP, "half"), DB_STMT(SQL_KEEP, "whole") };
	assert_int_equal(db_org_transaction(db, a, org, clash, 2, NULL), -1);
	assert_string_equal(db_sqlstate(db), DB_UNIQUE_VIOLATION);
	assert_false(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "half"), 0);
	assert_int_equal(n, 0);
	/* Inside an outer transaction it is a savepoint: the outer one decides. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_nest_begin(db), 0);
	const struct db_stmt inner[] = { DB_STMT(SQL_KEEP, "inner") };
	assert_int_equal(db_org_transaction(db, a, org, inner, 1, NULL), 0);
	db_nest_end(db);
	assert_true(db_in_transaction(db));
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "inner"), 0);
	assert_int_equal(n, 0);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_long(other, a, &n, SQL_KEPT, "inner"), 0);
	assert_int_equal(n, 0);
}

static void test_unreachable_server_is_an_error_not_a_crash(void **state)
{
	struct arena *a = arena_new();
	struct db *db = db_open("host=/nonexistent dbname=x connect_timeout=1");

	assert_false(db_ready(db));
	assert_null(db_q(db, a, SQL_PID));
	assert_int_equal(db_begin(db), -1);
	db_close(db);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parameters_and_nulls),
		cmocka_unit_test(test_constraint_violation_reports_sqlstate),
		cmocka_unit_test(test_reconnects_after_the_server_drops_it),
		cmocka_unit_test(test_no_silent_retry_inside_a_transaction),
		cmocka_unit_test(test_org_setting_lasts_one_transaction),
		cmocka_unit_test(test_a_rehearsal_keeps_nothing),
		cmocka_unit_test(test_nested_transactions_commit_once),
		cmocka_unit_test(test_notifications_are_taken_in_order_and_a_lost_connection_said),
		KEPT_TEST(test_a_transaction_begins_and_ends_with_a_statement_in_one_round_trip),
		KEPT_TEST(test_batches_answer_every_statement_in_one_round_trip),
		KEPT_TEST(test_a_whole_transaction_goes_in_one_round_trip),
		cmocka_unit_test(test_unreachable_server_is_an_error_not_a_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
