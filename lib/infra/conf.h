/* conf.h: every setting of every Switchboard program, from one table */
#ifndef SB_CONF_H
#define SB_CONF_H

#include <stdbool.h>

/* Which programs need a setting: a missing required setting stops only those. */
enum conf_program {
	CONF_FCGI = 1 << 0,
	CONF_VOICE = 1 << 1,
	CONF_JOBS = 1 << 2,
	CONF_LIVE = 1 << 3,
};

/*
 * Fill the table from an optional file of KEY=VALUE lines (path, or the CONFIG_FILE
 * environment variable when path is NULL) and then from the environment, which wins.
 * Checks types and bounds. Returns 0, or -1 after printing one line naming the first
 * missing or invalid setting that the given program needs.
 */
int conf_load(enum conf_program program, const char *path);

/* The value of a setting: its configured value or its default ("" when it has none); a URL
 * setting never ends in a slash. Borrowed: valid until the setting is set again. */
const char *conf_str(const char *name);
long conf_int(const char *name);
bool conf_bool(const char *name);

/*
 * Override one value (for tests and for derived values). The string is copied; a URL
 * setting (PUBLIC_BASE_URL, LLM_BASE_URL, the providers' API bases) loses its trailing
 * slashes here, as it does at load, so no caller strips them again.
 */
void conf_set(const char *name, const char *value);

#endif
