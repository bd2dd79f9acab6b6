/* availbench.c: how long availability takes to find the three nearest free times of a busy business */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "domain/availability.h"

static long long us_between(const struct timespec *a, const struct timespec *b)
{
	return ((long long)b->tv_sec - a->tv_sec) * 1000000LL + (b->tv_nsec - a->tv_nsec) / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static long long pct(long long *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_ll);
	return v[(int)((long long)(n - 1) * p / 100)];
}

static void report(const char *what, long long *us, int n)
{
	printf("  %-52s p50 %.2f ms  p95 %.2f ms  max %.2f ms  (%d runs)\n", what,
	       pct(us, n, 50) / 1000.0, pct(us, n, 95) / 1000.0, pct(us, n, 100) / 1000.0, n);
}

int main(int argc, char **argv)
{
	const char *org = argc > 1 ? argv[1] : NULL;
	const char *service = argc > 2 ? argv[2] : NULL;
	int runs = argc > 3 ? atoi(argv[3]) : 1000;

	if (!org || !service || runs <= 0) {
		fprintf(stderr, "usage: availbench <org id> <service id> [runs]\n"
				"DATABASE_URL names the database.\n");
		return 2;
	}
	if (conf_load(0, NULL) < 0)
		return 2;
	log_init("availbench", log_level_parse("warn"));
	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	long long *nearest = calloc((size_t)runs, sizeof(*nearest));
	long long *check = calloc((size_t)runs, sizeof(*check));
	long long *cpu = calloc((size_t)runs, sizeof(*cpu));
	time_t now = time(NULL);
	int found = 0;

	/* The same moments each run: anywhere in the next 30 days, to the minute. */
	srand(14);
	for (int warm = -50; warm < runs; warm++) {
		struct availability_query q = {
			.service_id = service, .minutes = 60,
			.around = now + 3600 + rand() % (30 * 86400) / 60 * 60,
		};
		struct availability_slot slots[3];
		struct availability_answer answer;
		struct timespec t0, t1, t2, c0, c1;

		if (db_begin_org(db, a, org) < 0) {
			fprintf(stderr, "availbench: the database is not available\n");
			return 1;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int n = availability_nearest(db, a, &q, slots, 3);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		availability_explain(db, a, &q, q.around, &answer);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		db_rollback(db);
		if (n < 0)
			return 1;
		if (warm >= 0) {
			nearest[warm] = us_between(&t0, &t1);
			check[warm] = us_between(&t1, &t2);
			cpu[warm] = us_between(&c0, &c1);
			found += n;
		}
		arena_reset(a);
	}
	report("three nearest free times (availability_nearest)", nearest, runs);
	report("one time checked, with its reason (availability_explain)", check, runs);
	report("  of which this process's CPU (not PostgreSQL's)", cpu, runs);
	printf("  %.2f free times found per search\n", (double)found / runs);
	free(nearest);
	free(check);
	free(cpu);
	arena_free(a);
	db_close(db);
	return 0;
}
