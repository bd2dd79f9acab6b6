/* callload_proc.c: the CPU time and resident memory of the processes callload measures */
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
	for (const char *p = eq + 1; *p && g->npids < GROUP_PIDS; p += strcspn(p, ","), p += *p == ',')
		if (atoi(p) > 0)
			g->pids[g->npids++] = atoi(p);
}

double group_cpu(const struct group *g)
{
	char path[64];
	double total = 0;

	for (int i = 0; i < g->npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", g->pids[i]);
		double s = cpu_seconds(path);
		total += s > 0 ? s : 0;
	}
	return total;
}

long group_rss(const struct group *g)
{
	long total = 0;

	for (int i = 0; i < g->npids; i++) {
		long kib = rss_kib(g->pids[i]);
		total += kib > 0 ? kib : 0;
	}
	return total;
}
