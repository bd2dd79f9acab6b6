/* brainbench.c: CPU time of the rules receptionist per turn, and the wall time of a practice run */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "domain/practice.h"

/* A caller booking a visit, one line a turn; what the receptionist asks decides little here:
 * every line is a turn the rules engine reads, slots and answers. */
static const char *const SCRIPT[] = {
	"Hi, my kitchen drain is clogged, can someone come out tomorrow morning?",
	"The first one, please",
	"It's Dana Whitfield",
	"Yes, that's the best number",
	"It's 42 Elm Street",
	"Yes, that's right",
	"How much will that be?",
	"No, that's all, thank you. Bye",
};
#define SCRIPT_TURNS (sizeof(SCRIPT) / sizeof(SCRIPT[0]))

static long long ns_of(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static long long pct(long long *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_ll);
	int i = (int)((long long)(n - 1) * p / 100);
	return v[i];
}

int main(int argc, char **argv)
{
	const char *org = argc > 1 ? argv[1] : NULL;
	int calls = argc > 2 ? atoi(argv[2]) : 50;
	int runs = argc > 3 ? atoi(argv[3]) : 5;

	if (!org || calls <= 0 || runs < 0) {
		fprintf(stderr, "usage: brainbench <org id> [calls] [practice runs]\n"
				"DATABASE_URL names the database; LLM_BASE_URL must be unset.\n");
		return 2;
	}
	if (conf_load(0, NULL) < 0)
		return 2;
	log_init("brainbench", log_level_parse("warn"));
	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	int cap = calls * (int)SCRIPT_TURNS, n = 0;
	long long *cpu = calloc((size_t)cap, sizeof(*cpu));
	long long *wall = calloc((size_t)cap, sizeof(*wall));

	for (int c = 0; c < calls; c++) {
		/* Each call is rolled back, so every call finds the same free schedule. */
		if (db_rehearse_begin(db) < 0) {
			fprintf(stderr, "brainbench: the database is not available\n");
			return 1;
		}
		struct brain_session *s = brain_session_open(db, a, org, NULL, "+15552010199");
		if (!s)
			return 1;
		brain_greeting(db, a, s);
		for (size_t i = 0; i < SCRIPT_TURNS; i++) {
			struct timespec c0, c1, w0, w1;
			struct brain_reply reply;

			clock_gettime(CLOCK_MONOTONIC, &w0);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
			brain_turn(db, a, s, SCRIPT[i], NULL, NULL, &reply);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
			clock_gettime(CLOCK_MONOTONIC, &w1);
			cpu[n] = (ns_of(&c1) - ns_of(&c0)) / 1000;
			wall[n] = (ns_of(&w1) - ns_of(&w0)) / 1000;
			n++;
			if (reply.action != BRAIN_LISTEN)
				break;
		}
		db_rehearse_end(db);
		arena_reset(a);
	}
	printf("  rules turns: %d over %d calls\n", n, calls);
	printf("  CPU per turn (this process, not PostgreSQL): p50 %lld us  p95 %lld us  max %lld us\n",
	       pct(cpu, n, 50), pct(cpu, n, 95), pct(cpu, n, 100));
	printf("  wall per turn (with its database round trips): p50 %lld us  p95 %lld us\n",
	       pct(wall, n, 50), pct(wall, n, 95));

	long long *run_ms = calloc((size_t)(runs ? runs : 1), sizeof(*run_ms));
	int callers = 0;
	for (int r = 0; r < runs; r++) {
		struct practice_call *out;
		struct timespec w0, w1;

		clock_gettime(CLOCK_MONOTONIC, &w0);
		callers = practice_run(db, a, org, time(NULL), &out);
		clock_gettime(CLOCK_MONOTONIC, &w1);
		run_ms[r] = (ns_of(&w1) - ns_of(&w0)) / 1000000;
		arena_reset(a);
	}
	if (runs)
		printf("  practice run of %d callers: p50 %lld ms  max %lld ms over %d runs\n",
		       callers, pct(run_ms, runs, 50), pct(run_ms, runs, 100), runs);
	free(run_ms);
	free(cpu);
	free(wall);
	arena_free(a);
	db_close(db);
	return 0;
}
