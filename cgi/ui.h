/* ui.h: what every page shares: one row or a clean 404/503, money, phone numbers, dates,
 * status labels and badges, and the audit log */
#ifndef SB_UI_H
#define SB_UI_H

#include <jansson.h>
#include <stdbool.h>

#include "infra/db.h"

struct arena;
struct req;
struct tpl_dict;

/*
 * The display formats of dates and times, where the business is, for SQL's to_char() on a
 * timestamptz column col of a query that joins organizations as o. Times are formatted by
 * PostgreSQL because it holds the time zone database; these keep every page's wording one.
 */
#define UI_SQL_LOCAL(col, format) "to_char(" col " AT TIME ZONE o.timezone, '" format "')"
#define UI_DATE_TIME_FORMAT "Mon FMDD, YYYY FMHH12:MI AM"         /* Mar 4, 2026 2:05 PM */
#define UI_DATE_FORMAT "Mon FMDD, YYYY"                           /* Mar 4, 2026 */
#define UI_TIME_FORMAT "FMHH12:MI AM"                             /* 2:05 PM */
/* A booking's day reads best with its weekday. */
#define UI_DAY_FORMAT "Dy, " UI_DATE_FORMAT                       /* Wed, Mar 4, 2026 */
#define UI_DAY_TIME_FORMAT "Dy, " UI_DATE_TIME_FORMAT             /* Wed, Mar 4, 2026 2:05 PM */
/* Times of the days just past or to come, where the year goes without saying. */
#define UI_RECENT_FORMAT "Mon FMDD, FMHH12:MI AM"                 /* Mar 4, 2:05 PM */
#define UI_SOON_FORMAT "Dy, " UI_RECENT_FORMAT                    /* Wed, Mar 4, 2:05 PM */
#define UI_SQL_DATE_TIME(col) UI_SQL_LOCAL(col, UI_DATE_TIME_FORMAT)
#define UI_SQL_DATE(col) UI_SQL_LOCAL(col, UI_DATE_FORMAT)
#define UI_SQL_TIME(col) UI_SQL_LOCAL(col, UI_TIME_FORMAT)

/*
 * Run sql (params as for db_q) for the one row a page is about. Returns the result, or NULL
 * after answering 503 "the <thing> could not be <doing>; please try again" when the database
 * failed, or 404 "there is no such <thing>" when there is no such row (another business's row
 * is not there either, under row-level security). The result belongs to the request's arena.
 */
struct db_result *ui_one_v(struct req *r, const char *thing, const char *doing, const char *sql,
			   int nparams, const char *const *params);
#define ui_one(r, thing, doing, sql, ...) \
	ui_one_v((r), (thing), (doing), (sql), DB_ARGS(__VA_ARGS__))

/*
 * Record in audit_log that the signed-in user did action on target; detail (a JSON object,
 * stolen; NULL for none) must never hold a secret. Returns 0, or -1 when the row was not
 * written (the caller answers 503: a change that cannot be accounted for is not made).
 */
int ui_audit(struct req *r, const char *action, const char *target, json_t *detail);

/* n with thousands separators: "12,345". Arena-owned. */
const char *ui_thousands(struct arena *a, long long n);

/* An amount of cents as money: "$1,234.50", "-$5.00". Arena-owned. */
const char *ui_money(struct arena *a, long long cents);

/* As ui_money(), but a whole amount without its cents ("$99,000"): for large figures. */
const char *ui_money_brief(struct arena *a, long long cents);

/* ui_money() of a column of cents given as text; "" for SQL NULL. Arena-owned. */
const char *ui_money_text(struct arena *a, const char *cents);

/*
 * A phone number typed in a form in E.164 form ("+" and 8 to 15 digits), with the spaces,
 * dashes, dots and brackets people type removed. Arena-owned; NULL when it is not one.
 */
const char *ui_phone_e164(struct arena *a, const char *typed);

/* True for a number a call or a text can reach: seven digits or more, phone punctuation only. */
bool ui_phone_reachable(const char *number);

/* A word stored in lower case ("contacted", "caller-hung-up") as people read it ("Caller hung
 * up"). Arena-owned; "" stays "". */
const char *ui_label(struct arena *a, const char *word);

/* The kinds of status a page shows with a badge. */
enum ui_status_kind { UI_CALL, UI_LEAD, UI_APPOINTMENT, UI_TEMPERATURE };

/* One known status: its stored value, its label and the badge class that marks it. */
struct ui_status {
	const char *value;
	const char *label;
	const char *badge;
};

/* The known statuses of kind in the order lists offer them, ended by a NULL value. Static. */
const struct ui_status *ui_statuses(enum ui_status_kind kind);

/* A status of kind; an unknown value gets its own label and "badge-info". Arena-owned. */
struct ui_status ui_status(struct arena *a, enum ui_status_kind kind, const char *value);

/* Sets name_LABEL and name_BADGE of d to value's status of kind, as ui_status gives it. */
void ui_status_set(struct arena *a, struct tpl_dict *d, const char *name,
		   enum ui_status_kind kind, const char *value);

/* True when value is one of the known statuses of kind. */
bool ui_status_known(enum ui_status_kind kind, const char *value);

/*
 * The choices of a <select> of kind's statuses: one section rows of d per status, with VALUE,
 * LABEL and, for the one equal to chosen (NULL for none), SELECTED shown.
 */
void ui_status_options(struct tpl_dict *d, const char *section, enum ui_status_kind kind,
		       const char *chosen);

/*
 * The choices of a <select> from query rows: one section of d per row, with the row's first
 * column as VALUE, its second as LABEL and, for the one equal to chosen (NULL for none),
 * SELECTED shown. No rows (NULL) make no choices.
 */
void ui_row_options(struct tpl_dict *d, const char *section, const struct db_result *rows,
		    const char *chosen);

/*
 * Shows section PLAIN_HTTP of d, with PUBLIC_BASE_URL as BASE, when the public address that
 * webhook and stream URLs are built from is not https: Twilio and Vapi need https in
 * production. Pages that show those URLs call it.
 */
void ui_public_url_warning(struct tpl_dict *d);

/* The public address of path (PUBLIC_BASE_URL without trailing slashes, then path). Arena. */
const char *ui_public_url(struct req *r, const char *path);

#endif
