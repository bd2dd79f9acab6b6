/* callload_proc.h: the CPU time and resident memory of the processes callload measures */
#ifndef CALLLOAD_PROC_H
#define CALLLOAD_PROC_H

/* The CPU seconds (user and system) in a /proc stat file, or -1 when it cannot be read. */
double cpu_seconds(const char *path);

/* A process's resident memory in KiB, or -1 when it is gone. */
long rss_kib(int pid);

/* Raise this process's descriptor limit to fds if the hard limit allows: the limit it has. */
long fd_room(long fds);

/* This program's own CPU seconds, user and system. */
double self_cpu_seconds(void);

/* The processes of a server named on the command line: their CPU and RSS over each window,
 * beside the worker's. "nginx=12,13" names processes; "postgres=@11" a process and whichever
 * children it has at the window's start and end (PostgreSQL forks a backend per connection). */
#define GROUPS_MAX 6
#define GROUP_PIDS 256
struct group {
	char name[16];
	int parent;                 /* 0, or the process whose children belong */
	int pids[GROUP_PIDS], npids;
	double cpu0[GROUP_PIDS];    /* each process's CPU seconds at the window's start */
	double used;                /* CPU seconds over the last window (group_end) */
};
extern struct group groups[GROUPS_MAX];
extern int ngroups;

/* Add a group from "name=pid,pid,..." or "name=@pid": ignored when malformed or too many. */
void group_add(const char *arg);

/* A window begins: note every process's CPU so far. */
void group_start(struct group *g);

/* The window ends: g->used becomes the CPU seconds its processes used in it (one that began
 * meanwhile counts whole). */
void group_end(struct group *g);

/* The memory of a group's processes, in KiB: their proportional set sizes summed. */
long group_rss(const struct group *g);

#endif
