/* callload_proc.h: the CPU time and resident memory of the processes callload measures */
#ifndef CALLLOAD_PROC_H
#define CALLLOAD_PROC_H

/* The CPU seconds (user and system) in a /proc stat file, or -1 when it cannot be read. */
double cpu_seconds(const char *path);

/* A process's resident memory in KiB, or -1 when it is gone. */
long rss_kib(int pid);

/* This program's own CPU seconds, user and system. */
double self_cpu_seconds(void);

/* The processes of a server named on the command line (--cpu nginx=12,13): their CPU and RSS
 * over each window, beside the worker's. */
#define GROUPS_MAX 6
#define GROUP_PIDS 64
struct group {
	char name[16];
	int pids[GROUP_PIDS], npids;
	double cpu0;
};
extern struct group groups[GROUPS_MAX];
extern int ngroups;

/* Add a group from "name=pid,pid,...": ignored when malformed or when there are too many. */
void group_add(const char *arg);

/* The CPU seconds of every process of a group so far (a process gone counts nothing). */
double group_cpu(const struct group *g);

/* The resident memory of a group's processes, in KiB, summed. */
long group_rss(const struct group *g);

#endif
