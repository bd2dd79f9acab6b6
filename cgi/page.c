/* page.c: the site layout around every HTML page, the clean error answer and flash messages */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/log.h"
#include "infra/params.h"
#include "infra/tpl.h"
#include "req.h"

static const char *const nav_variables[] = {
	[NAV_DASHBOARD] = "NAV_DASHBOARD", [NAV_CALLS] = "NAV_CALLS",
	[NAV_LEADS] = "NAV_LEADS", [NAV_APPOINTMENTS] = "NAV_APPOINTMENTS",
	[NAV_SERVICES] = "NAV_SERVICES", [NAV_SETTINGS] = "NAV_SETTINGS",
	[NAV_TEAM] = "NAV_TEAM", [NAV_ACCOUNT] = "NAV_ACCOUNT",
	[NAV_TESTCALL] = "NAV_TESTCALL", [NAV_MESSAGES] = "NAV_MESSAGES",
};

/* The body is the layout's {{>BODY}} include: page_render() names its template. */
struct tpl_dict *page_dict(struct req *r)
{
	return tpl_include(tpl_dict_new(r->arena, "layout"), "BODY", NULL);
}

/* The flash cookie holds "kind:text", percent-encoded by page_flash(). */
static void page_take_flash(struct req *r, struct tpl_dict *layout)
{
	const char *raw = req_cookie(r, "sb_flash");
	struct param *p;

	if (!raw || !*raw)
		return;
	http_header(r, "Set-Cookie", "sb_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
	if (params_parse(r->arena, raw, strlen(raw), &p) != 1)
		return;
	const char *kind = p[0].name;
	if (strcmp(kind, "ok") && strcmp(kind, "error") && strcmp(kind, "info"))
		return;
	struct tpl_dict *flash = tpl_section(layout, "FLASH");
	tpl_set(flash, "FLASH_KIND", kind);
	tpl_set(flash, "FLASH_TEXT", p[0].value);
}

void page_flash(struct req *r, const char *kind, const char *text)
{
	struct buf value = BUF_INIT;

	buf_printf(&value, "sb_flash=%s=", kind);
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
			buf_putc(&value, (char)*s);
		else
			buf_printf(&value, "%%%02X", *s);
	}
	buf_puts(&value, "; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
	http_header(r, "Set-Cookie", buf_str(&value));
	buf_release(&value);
}

void page_render(struct req *r, int status, const char *title, enum page_nav nav,
		 const char *body_template, struct tpl_dict *d)
{
	struct tpl_dict *layout = tpl_parent(d);

	tpl_include_file(d, body_template);
	tpl_set(layout, "TITLE", title);
	page_take_flash(r, layout);
	const char *frame = "auth_layout.tpl";
	if (r->user_id) {
		frame = "layout.tpl";
		tpl_set(layout, "ORG_NAME", r->org_name);
		/* The business's live channel: static/live.js subscribes to /live/<id>, and
		 * toasts no change older than this page (which the page shows already). */
		tpl_set(layout, "ORG_ID", r->org_id);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		tpl_set(layout, "LIVE_MADE", arena_printf(r->arena, "%lld",
							  (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000));
		tpl_set(layout, "USER_EMAIL", r->user_email);
		tpl_set(layout, "USER_ROLE", r->user_role);
		tpl_set(layout, "CSRF", r->csrf);
		if (r->email_unverified)
			tpl_show(layout, "VERIFY_BANNER");
		for (size_t i = 1; i < sizeof(nav_variables) / sizeof(nav_variables[0]); i++)
			tpl_set(layout, nav_variables[i], (int)i == (int)nav ? "active" : "");
	}
	buf_clear(&r->out);
	if (tpl_render(frame, layout, &r->out) == 0) {
		r->status = status;
		r->out_type = "text/html; charset=utf-8";
		return;
	}
	buf_clear(&r->out);
	if (!r->failed)
		http_fail(r, 500, "the page could not be shown");
	else
		http_send(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
}

void page_render_error(struct req *r, int status, const char *message)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set_long(d, "STATUS", status);
	tpl_set(d, "MESSAGE", message);
	tpl_set(d, "REASON", http_reason(status));
	page_render(r, status, http_reason(status), NAV_NONE, "error.tpl", d);
	/* Even when the error template itself failed, keep the status the caller chose. */
	r->status = status;
}

/*
 * The error answer lives with the pages, not in answer.c: for a browser it is a page in the
 * layout, so it needs what this file does, while answer.c needs nothing above it.
 */
void http_fail(struct req *r, int status, const char *message)
{
	r->failed = true;
	r->status = status;
	/* Headers a handler set for the page it was building do not belong to the error. */
	buf_clear(&r->headers);
	buf_clear(&r->out);
	if (status >= 500)
		log_error("request failed: status=%d message=\"%s\"", status, message);
	else
		log_info("request refused: status=%d message=\"%s\"", status, message);
	if (req_wants_json(r)) {
		json_t *body = json_pack("{s:s, s:i}", "error", message, "status", status);
		http_send_json(r, status, body);
		json_decref(body);
		r->status = status;
		return;
	}
	page_render_error(r, status, message);
}
