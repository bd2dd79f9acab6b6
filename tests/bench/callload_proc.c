/* callload_proc.c: CPU time and resident memory of the processes callload measures; its fd limit */
#include "callload_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

double cpu_seconds(const char *path)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	unsigned long utime = 0, stime = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	/* The command name is in parentheses and may hold spaces: count fields after it. */
	char *p = strrchr(line, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
			 &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* This program's own CPU seconds, user and system. */
double self_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct group groups[GROUPS_MAX];
int ngroups;

void group_add(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || ngroups == GROUPS_MAX)
		return;
	struct group *g = &groups[ngroups++];
	snprintf(g->name, sizeof(g->name), "%.*s", (int)(eq - arg), arg);
	if (eq[1] == '@') {
		g->parent = atoi(eq + 2);
		return;
	}
	for (const char *p = eq + 1; *p && g->npids < GROUP_PIDS; p += strcspn(p, ","), p += *p == ',')
		if (atoi(p) > 0)
			g->pids[g->npids++] = atoi(p);
}

/* A parent's group is the parent and its children of the moment. */
static void group_list(struct group *g)
{
	char path[96];

	if (!g->parent)
		return;
	g->npids = 0;
	g->pids[g->npids++] = g->parent;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", g->parent, g->parent);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	int pid;
	while (g->npids < GROUP_PIDS && fscanf(f, "%d", &pid) == 1)
		g->pids[g->npids++] = pid;
	fclose(f);
}

static double pid_cpu(int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	double s = cpu_seconds(path);
	return s > 0 ? s : 0;
}

void group_start(struct group *g)
{
	group_list(g);
	for (int i = 0; i < g->npids; i++)
		g->cpu0[i] = pid_cpu(g->pids[i]);
}

void group_end(struct group *g)
{
	int before[GROUP_PIDS], nbefore = g->npids;
	double cpu0[GROUP_PIDS];

	memcpy(before, g->pids, sizeof(before));
	memcpy(cpu0, g->cpu0, sizeof(cpu0));
	group_list(g);
	g->used = 0;
	for (int i = 0; i < g->npids; i++) {
		double start = 0;
		for (int j = 0; j < nbefore; j++)
			if (before[j] == g->pids[i])
				start = cpu0[j];
		g->used += pid_cpu(g->pids[i]) - start;
	}
}

long group_rss(const struct group *g)
{
	char path[64], line[256];
	long total = 0;

	/* Proportional set size: the shared memory of PostgreSQL's backends counted once. */
	for (int i = 0; i < g->npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", g->pids[i]);
		FILE *f = fopen(path, "r");
		long kib = 0;
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Pss: %ld", &kib) == 1)
				break;
		fclose(f);
		total += kib;
	}
	return total;
}

long fd_room(long fds)
{
	struct rlimit nofile;

	if (getrlimit(RLIMIT_NOFILE, &nofile))
		return -1;
	if (nofile.rlim_cur < (rlim_t)fds) {
		nofile.rlim_cur = nofile.rlim_max < (rlim_t)fds ? nofile.rlim_max : (rlim_t)fds;
		if (setrlimit(RLIMIT_NOFILE, &nofile))
			return -1;
	}
	return (long)nofile.rlim_cur;
}
