/* log.h: one line per event: "time pid level [request-id] message key=value" */
#ifndef SB_LOG_H
#define SB_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Name the program in log lines and set the least level written (default info). */
void log_init(const char *program, enum log_level min_level);

/* Parse "debug", "info", "warn" or "error"; anything else gives info. */
enum log_level log_level_parse(const char *name);

/* The id of the request (or call) being served, shown on every line; NULL clears it. The id
 * is copied; log_request_id() returns the copy, borrowed ("" when none is set). */
void log_set_request_id(const char *id);
const char *log_request_id(void);

/* Write one line to stderr. Never pass secrets, passwords, tokens or whole webhook bodies. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
