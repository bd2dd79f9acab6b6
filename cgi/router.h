/* router.h: the route table and the preconditions it enforces before any handler runs */
#ifndef SB_ROUTER_H
#define SB_ROUTER_H

struct req;

typedef void (*route_handler)(struct req *r);

/* Preconditions, checked once, centrally, in this order. */
enum route_flags {
	R_FORM = 1 << 0,        /* body must be application/x-www-form-urlencoded; parsed */
	R_JSON = 1 << 1,        /* body must be application/json; parsed into r->json */
	R_AUTH = 1 << 2,        /* a signed-in user; the handler runs in a transaction under RLS */
	R_CSRF = 1 << 3,        /* the form's csrf field must match the session */
	R_ADMIN = 1 << 4,       /* the user must be an owner or admin */
	R_GUEST = 1 << 5,       /* signed-out pages: a signed-in user is sent to the dashboard */
	R_SIG_TWILIO = 1 << 6,  /* X-Twilio-Signature must sign this request (number's account) */
};

struct route {
	const char *method;
	const char *pattern;    /* "/calls/:id": one segment may be ":id" (a UUID) or ":token" */
	route_handler handler;
	int flags;
};

/* The table, in cgi/routes.c, ended by a row whose method is NULL. */
extern const struct route routes[];

/* Route r, check its preconditions, run its handler and leave the answer in r. */
void router_dispatch(struct req *r);

#endif
