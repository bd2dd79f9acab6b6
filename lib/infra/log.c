/* log.c: line-oriented logging to stderr */
#include "infra/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "switchboard";
static enum log_level log_min = LOG_INFO;
static char log_rid[64];

void log_init(const char *program, enum log_level min_level)
{
	log_program = program;
	log_min = min_level;
}

enum log_level log_level_parse(const char *name)
{
	if (!name)
		return LOG_INFO;
	if (!strcmp(name, "debug"))
		return LOG_DEBUG;
	if (!strcmp(name, "warn"))
		return LOG_WARN;
	if (!strcmp(name, "error"))
		return LOG_ERROR;
	return LOG_INFO;
}

void log_set_request_id(const char *id)
{
	if (!id) {
		log_rid[0] = '\0';
		return;
	}
	snprintf(log_rid, sizeof(log_rid), "%s", id);
}

const char *log_request_id(void)
{
	return log_rid;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char line[2048];
	struct timeval tv;
	struct tm tm;

	if (level < log_min)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %d %s %s [%s] ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)(tv.tv_usec / 1000), (int)getpid(), log_program,
			 names[level], log_rid[0] ? log_rid : "-");
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	/* One line per event, whatever the message held: fold newlines. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	/* A single write keeps lines from concurrent processes whole. */
	ssize_t ignored = write(2, line, len);
	(void)ignored;
}
