/* business_kind.h: the kinds of business the receptionist knows: their words, services, emergencies */
#ifndef SB_BUSINESS_KIND_H
#define SB_BUSINESS_KIND_H

#include <stdbool.h>

struct arena;
struct db;

/* A service a new business of the kind starts with (the owner edits them afterwards). */
struct kind_service {
	const char *name;
	const char *keywords;          /* lower-case, '|' between keywords */
	int minutes;
	long cents;
};

struct kind_fact {
	const char *question;
	const char *answer;
};

/*
 * One kind of business (organizations.business_kind). The tables are static: every pointer
 * is borrowed and lives as long as the program. Lists end with a NULL entry.
 */
struct business_kind {
	const char *id;                /* "plumber", "dental", ... as stored */
	const char *label;             /* "Plumbing", for the sign-up form */
	bool on_site;                  /* the business goes to the caller: ask for the address */
	const char *visit;             /* "come out" or "come in", in "when would you like us to" */
	const char *greeting;          /* after "Thanks for calling <name>." */
	const char *const *urgent;     /* what callers of this trade say in an emergency */
	const struct kind_service *services;
	const struct kind_fact *facts;
};

/* The kind named id, or the "other" kind for NULL or an unknown id. Borrowed. */
const struct business_kind *business_kind_find(const char *id);

/* Every kind, "other" last, ending with a NULL id. Borrowed. */
const struct business_kind *business_kind_all(void);

/* Is id one of the stored kinds? */
bool business_kind_valid(const char *id);

/* Which of the kind's emergency phrases (or "emergency", "urgent") text holds; NULL for none.
 * Borrowed. */
const char *business_kind_emergency(const struct business_kind *k, const char *text);

/*
 * Make the business org_id one of kind id: store the kind, the kind's greeting naming the
 * business, and its starter services and knowledge entries (a service the business already
 * has by that name is kept as it is). Opens and commits its own transaction: db must have
 * none open. Returns 0, or -1 on a database error (nothing is changed).
 */
int business_kind_seed(struct db *db, struct arena *a, const char *org_id, const char *id);

/*
 * business_kind_seed() inside the transaction open on db (db_begin_org of org_id), for an
 * existing business changing its kind: only starter services and knowledge entries whose name
 * or question it has none of are added, and the greeting changes only while it is still the
 * old kind's own. Nothing the owner made or edited is changed or deleted. Returns 0 or -1.
 */
int business_kind_apply(struct db *db, struct arena *a, const char *org_id, const char *id);

#endif
