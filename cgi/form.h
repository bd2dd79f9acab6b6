/* form.h: server-side validation that re-shows a form with a message next to each field */
#ifndef SB_FORM_H
#define SB_FORM_H

#include <stdbool.h>

struct req;
struct tpl_dict;

/*
 * A form being checked. Templates show a field's error with
 *   <div class="field {{name_CLASS}}"> ... {{#name_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/name_ERROR}}
 * and the value the user typed with {{name_VALUE}} (name in upper case).
 */
struct form {
	struct req *r;
	struct tpl_dict *d;
	int errors;
};

/* Start checking r's form into template dictionary d. */
void form_begin(struct form *f, struct req *r, struct tpl_dict *d);

/* The trimmed value of field name (never NULL), also put back into the form for re-display. */
const char *form_text(struct form *f, const char *name);

/* Mark field name as wrong with message; returns false for use in conditions. */
bool form_error(struct form *f, const char *name, const char *message);

/* Checks: each records an error on the field and returns false when it fails. */
bool form_required(struct form *f, const char *name, const char *value, const char *label);
bool form_max_length(struct form *f, const char *name, const char *value, int max);
bool form_email(struct form *f, const char *name, const char *value);

/*
 * Check a new password: 10 to 200 characters (long enough to resist guessing, short enough
 * that hashing it stays cheap). With confirm_name, also that the confirm field repeats it.
 */
bool form_new_password(struct form *f, const char *name, const char *value,
		       const char *confirm_name, const char *confirm);

/* Parse a money amount ("149", "149.5", "$1,149.50") into cents; false (error set) if not one. */
bool form_cents(struct form *f, const char *name, const char *value, long max_cents, long *cents);

/* Parse a whole number within bounds; false (error set) if not. */
bool form_long(struct form *f, const char *name, const char *value, long min, long max, long *out);

/*
 * Check an optional phone field: "" or a number in international form. On success *e164 is the
 * number in E.164 form (arena) or "".
 */
bool form_phone(struct form *f, const char *name, const char *value, const char **e164);

/* True when no check failed. */
bool form_ok(const struct form *f);

/* Trim spaces at both ends into the arena. */
char *text_trim(struct req *r, const char *s);

#endif
