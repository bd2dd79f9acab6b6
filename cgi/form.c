/* form.c: field-by-field validation messages for server-rendered forms */
#include "form.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "req.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "ui.h"

static char *upper_name(struct req *r, const char *name, const char *suffix)
{
	char *s = arena_printf(r->arena, "%s_%s", name, suffix);
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

void form_begin(struct form *f, struct req *r, struct tpl_dict *d)
{
	f->r = r;
	f->d = d;
	f->errors = 0;
}

char *text_trim(struct req *r, const char *s)
{
	if (!s)
		return arena_strdup(r->arena, "");
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return arena_strndup(r->arena, s, len);
}

const char *form_text(struct form *f, const char *name)
{
	const char *v = text_trim(f->r, req_form(f->r, name));
	tpl_set(f->d, upper_name(f->r, name, "VALUE"), v);
	return v;
}

bool form_error(struct form *f, const char *name, const char *message)
{
	char *cls = upper_name(f->r, name, "CLASS");
	f->errors++;
	struct tpl_dict *e = tpl_section(f->d, upper_name(f->r, name, "ERROR"));
	tpl_set(e, "MESSAGE", message);
	tpl_set(f->d, cls, "has-error");
	return false;
}

bool form_required(struct form *f, const char *name, const char *value, const char *label)
{
	if (value && *value)
		return true;
	return form_error(f, name, arena_printf(f->r->arena, "%s is required", label));
}

bool form_max_length(struct form *f, const char *name, const char *value, int max)
{
	/* Count characters, not bytes. */
	if (text_utf8_chars(value) <= (size_t)max)
		return true;
	return form_error(f, name, arena_printf(f->r->arena, "keep it to %d characters", max));
}

bool form_email(struct form *f, const char *name, const char *value)
{
	const char *at = strchr(value, '@');

	if (at && at != value && strchr(at + 1, '.') && !strchr(at + 1, '@') &&
	    !strpbrk(value, " \t<>\"'") && at[1] != '.' && value[strlen(value) - 1] != '.' &&
	    strlen(value) <= 254)
		return true;
	return form_error(f, name, "enter an email address like name@example.com");
}

bool form_new_password(struct form *f, const char *name, const char *value,
		       const char *confirm_name, const char *confirm)
{
	if (!value || strlen(value) < 10)
		return form_error(f, name, "Use at least 10 characters");
	if (strlen(value) > 200)
		return form_error(f, name, "Keep it to 200 characters");
	if (confirm_name && (!confirm || strcmp(value, confirm)))
		return form_error(f, confirm_name, "The two passwords do not match");
	return true;
}

bool form_cents(struct form *f, const char *name, const char *value, long max_cents, long *cents)
{
	char digits[32];
	size_t n = 0;
	const char *s = value;

	if (*s == '$')
		s++;
	for (; *s && n < sizeof(digits) - 1; s++) {
		if (*s == ',')
			continue;
		digits[n++] = *s;
	}
	digits[n] = '\0';
	if (*s || !n)
		return form_error(f, name, "enter an amount like 149 or 149.50");
	char *end;
	long whole = strtol(digits, &end, 10);
	long frac = 0;
	if (end == digits || whole < 0 || digits[0] == '-' || digits[0] == '+')
		return form_error(f, name, "enter a non-negative amount like 149 or 149.50");
	if (*end == '.') {
		const char *c = end + 1;
		size_t len = strlen(c);
		if (len == 0 || len > 2 || strspn(c, "0123456789") != len)
			return form_error(f, name, "use at most two digits after the point");
		frac = strtol(c, NULL, 10) * (len == 1 ? 10 : 1);
	} else if (*end) {
		return form_error(f, name, "enter an amount like 149 or 149.50");
	}
	if (whole > max_cents / 100 || whole * 100 + frac > max_cents)
		return form_error(f, name, arena_printf(f->r->arena, "the most allowed is %ld",
							  max_cents / 100));
	*cents = whole * 100 + frac;
	return true;
}

bool form_long(struct form *f, const char *name, const char *value, long min, long max, long *out)
{
	char *end;

	errno = 0;
	long n = strtol(value, &end, 10);
	if (!*value || *end || errno || n < min || n > max)
		return form_error(f, name, arena_printf(f->r->arena,
							  "enter a whole number from %ld to %ld", min, max));
	*out = n;
	return true;
}

bool form_phone(struct form *f, const char *name, const char *value, const char **e164)
{
	*e164 = "";
	if (!*value)
		return true;
	*e164 = ui_phone_e164(f->r->arena, value);
	if (*e164)
		return true;
	return form_error(f, name, "enter the number in international form: + then 8 to 15 "
			  "digits, like +15551234567");
}

bool form_ok(const struct form *f)
{
	return f->errors == 0;
}
