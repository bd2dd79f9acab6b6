/* tools.h: the receptionist's tools (availability, booking, services, knowledge, transfer,
 * messages, hanging up): what the LLM engine's tool calls and Vapi's tool calls both run */
#ifndef SB_TOOLS_H
#define SB_TOOLS_H

#include <jansson.h>
#include <time.h>

#include "domain/brain.h"
#include "domain/business.h"

struct arena;
struct db;

/*
 * What the tools of one turn (or one Vapi request) work with, and what they did. tools_open()
 * fills it; the results are read after the tools ran.
 */
struct tool_ctx {
	struct db *db;
	struct arena *a;
	const char *org_id;
	const char *call_id;           /* calls.id the booking belongs to, or NULL */
	const char *caller_number;     /* E.164 caller ID, or NULL when withheld */
	time_t now;                    /* what "tomorrow" is relative to */
	struct business biz;
	struct service *services;      /* the active services, cheapest first */
	int nservices;

	/* What the tools did, for the session state and the reply. */
	json_t *slots;                 /* session keys to set (name, phone, appointment_id, ...) */
	enum brain_action action;      /* BRAIN_LISTEN unless a tool transfers or hangs up */
	const char *transfer_to;       /* BRAIN_TRANSFER: the business's transfer number */
	const char *appointment_id;    /* set once a booking committed */
	const char *booked_sentence;   /* "You're booked for ... on ...", to say when it committed */
};

/*
 * Load what the tools need (the business and its services) for org_id. db must have no
 * transaction open, and has none when this returns. now 0 means the clock. Returns 0, or -1
 * when the business cannot be read.
 */
int tools_open(struct tool_ctx *t, struct db *db, struct arena *a, const char *org_id,
	       const char *call_id, const char *caller_number, time_t now);

/*
 * The tools in the OpenAI function shape ([{"type":"function","function":{name, description,
 * parameters}}]), with the business's service names as the choices of every service
 * parameter. Arena-owned; NULL on error.
 */
json_t *tools_definitions(struct tool_ctx *t);

/*
 * Run the tool name with args (a JSON object). Each tool opens and closes its own
 * transactions (db has none open before or after), and a booking is committed before its
 * result says booked. Returns the result object (arena-owned), or NULL for an unknown tool.
 */
json_t *tools_run(struct tool_ctx *t, const char *name, json_t *args);

/* A moment as the receptionist says it, in the business's time zone. Arena-owned. */
const char *tools_spoken_time(struct tool_ctx *t, time_t when);

#endif
