/* business_kind.c: the kinds of business the receptionist knows: their words, services, emergencies */
#include "domain/business_kind.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"

/*
 * The kinds live here, in C, rather than in a seeded table: the brain reads a kind's wording
 * and emergency words on every turn without a query, a change to them is reviewed and tested
 * with the dialog code that uses them, and what a business may edit (its services and
 * answers) is copied into its own rows at sign-up, where the owner changes it as any other.
 * The migration keeps only the list of ids, as the column's CHECK.
 */

static const char SQL_NAME[] =
	"SELECT name, business_kind, coalesce(greeting, '') FROM organizations WHERE id = $1";
/* The greeting changes with the kind only while it is the old kind's own or the schema's
 * default (a new business): one the owner wrote is kept. */
static const char SQL_KIND[] =
	"UPDATE organizations SET business_kind = $2, "
	"  greeting = CASE WHEN btrim(greeting) IN ($4, 'Thanks for calling. How can I help you "
	"today?') THEN $3 ELSE greeting END "
	"WHERE id = $1";
static const char SQL_SERVICE[] =
	"INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords) "
	"VALUES ($1, $2, $3::bigint, $4::int, string_to_array($5, '|')) "
	"ON CONFLICT (org_id, lower(name)) DO NOTHING";
static const char SQL_FACT[] =
	"INSERT INTO knowledge_entries (org_id, question, answer) "
	"SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM knowledge_entries "
	"                                   WHERE lower(btrim(question)) = lower(btrim($2)))";

static const char *const GENERIC_URGENT[] = { "emergency", "urgent", NULL };

static const char *const PLUMBER_URGENT[] = {
	"burst pipe", "pipe burst", "pipe has burst", "pipe just burst", "burst", "flooding",
	"flooded", "flood", "water everywhere", "water is pouring", "pouring water", "gushing",
	"gas smell", "smell gas", "smells like gas", "smell of gas", "gas leak", "sewage",
	"sewer backup", "sewage backup", "overflowing", "no water", NULL,
};
static const struct kind_service PLUMBER_SERVICES[] = {
	{ "Drain cleaning", "drain|clog|clogged|sink|slow drain|toilet|backed up", 60, 14900 },
	{ "Water heater repair", "water heater|hot water|heater|tank", 90, 28900 },
	{ "Leak repair", "leak|leaking|drip|dripping|pipe|burst|flood|flooding", 60, 19900 },
	{ "Faucet and fixture installation", "faucet|install|fixture|disposal|garbage disposal",
	  90, 22900 },
	{ "Sewer line inspection", "sewer|camera|main line|sewage", 60, 24900 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact PLUMBER_FACTS[] = {
	{ "Do you guarantee your work? What is the warranty?",
	  "All of our labor is guaranteed for one full year." },
	{ "Do you charge for estimates or a trip fee?",
	  "Estimates are free, and there is no trip fee inside our service area." },
	{ "Are you licensed and insured?", "Yes, every plumber is licensed and fully insured." },
	{ NULL, NULL },
};

static const char *const HVAC_URGENT[] = {
	"no heat", "no heating", "heat is out", "heat went out", "heater died", "furnace died",
	"furnace stopped", "furnace is out", "freezing", "gas smell", "smell gas", "smells like gas",
	"gas leak", "carbon monoxide", "co alarm", "co detector", "burning smell", "smoke",
	"sparks", "sparking", "on fire", NULL,
};
static const struct kind_service HVAC_SERVICES[] = {
	{ "AC repair", "ac|a c|air conditioning|air conditioner|cooling|not cooling|warm air",
	  90, 18900 },
	{ "Furnace repair", "furnace|heat|heating|no heat|boiler|heat pump", 90, 19900 },
	{ "Seasonal tune-up", "tune up|tune-up|tuneup|maintenance|checkup|check up|inspection",
	  60, 12900 },
	{ "Thermostat installation", "thermostat|smart thermostat|nest", 60, 15900 },
	{ "Duct cleaning", "duct|ducts|vents|vent|air quality|dust", 120, 34900 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact HVAC_FACTS[] = {
	{ "Do you offer maintenance plans?",
	  "Yes, our comfort plan is $15 a month and covers two tune-ups a year." },
	{ "Which brands do you service?", "We service every major brand of furnace and AC." },
	{ "Do you offer financing for a new system?",
	  "Yes, we offer financing on new systems with approved credit." },
	{ NULL, NULL },
};

static const char *const CLEANING_URGENT[] = {
	"flooded", "flooding", "flood", "sewage", "water damage", "biohazard", NULL,
};
static const struct kind_service CLEANING_SERVICES[] = {
	{ "Standard cleaning", "clean|cleaning|regular|standard|weekly|biweekly|house cleaning",
	  120, 14000 },
	{ "Deep cleaning", "deep|deep clean|thorough|top to bottom|spring cleaning", 240, 28000 },
	{ "Move-out cleaning", "move out|move-out|moving out|moving|move in|landlord|deposit",
	  240, 32000 },
	{ "Carpet cleaning", "carpet|carpets|rug|rugs|stain|stains", 120, 18000 },
	{ "Window washing", "window|windows", 120, 15000 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact CLEANING_FACTS[] = {
	{ "Do I need to provide cleaning supplies?",
	  "No, our team brings all of its own supplies and equipment." },
	{ "Are your cleaners insured and background checked?",
	  "Yes, every cleaner is insured and background checked." },
	{ "Do I need to be home during the cleaning?",
	  "No, you don't need to be home; many clients leave us a key or a door code." },
	{ NULL, NULL },
};

static const char *const DENTAL_URGENT[] = {
	"swelling", "swollen", "knocked out", "abscess", "bleeding", "won't stop bleeding",
	"severe pain", "unbearable", "can't sleep", "broken jaw", "face is swollen", NULL,
};
static const struct kind_service DENTAL_SERVICES[] = {
	{ "Cleaning and checkup",
	  "cleaning|checkup|check up|exam|hygienist|routine|six month|teeth cleaned", 60, 12000 },
	{ "Teeth whitening", "whitening|whiten|white|bleaching", 90, 35000 },
	{ "Filling", "filling|cavity|cavities|hole", 60, 18000 },
	{ "Emergency dental visit",
	  "toothache|tooth ache|pain|hurts|broken tooth|chipped|cracked|swelling|swollen|"
	  "knocked out", 30, 15000 },
	{ "Crown consultation", "crown|cap|bridge|implant", 45, 9000 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact DENTAL_FACTS[] = {
	{ "Do you take insurance? Which insurance plans do you accept?",
	  "We accept most PPO dental insurance plans, including Delta Dental, Cigna and Aetna." },
	{ "Are you accepting new patients?", "Yes, we're happily accepting new patients." },
	{ "Where are you located? What is your address? Where do I park?",
	  "We're at 200 Main Street, Suite 3, with free parking behind the building." },
	{ NULL, NULL },
};

static const struct kind_service SALON_SERVICES[] = {
	{ "Women's haircut", "haircut|hair cut|cut|trim|women's|womens", 60, 6500 },
	{ "Men's haircut", "men's|mens|buzz|fade|beard", 30, 3500 },
	{ "Hair color", "color|colour|dye|highlights|balayage|roots|gray", 120, 14000 },
	{ "Blowout", "blowout|blow out|blow dry|styling|updo", 45, 4500 },
	{ "Manicure", "manicure|nails|nail|gel|polish", 45, 4000 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact SALON_FACTS[] = {
	{ "What is your cancellation policy?",
	  "We ask for 24 hours notice to cancel; late cancellations are charged half the service." },
	{ "Do you take walk-ins?", "We take walk-ins when a stylist is free, but booking is best." },
	{ "Where are you located? What is your address? Is there parking?",
	  "We're at 48 Market Street, next to the bakery, with street parking out front." },
	{ NULL, NULL },
};

static const char *const AUTO_URGENT[] = {
	"brakes failed", "brake failure", "brakes went out", "brakes gave out", "no brakes",
	"brakes aren't working", "brakes are not working", "smoking", "smoke", "overheating",
	"on fire", "stranded", "broke down", "broken down", "accident", "tow", "towed", NULL,
};
static const struct kind_service AUTO_SERVICES[] = {
	{ "Oil change", "oil|oil change|lube", 30, 5900 },
	{ "Brake service", "brake|brakes|squeaking|squealing|grinding|pads|rotors", 120, 24900 },
	{ "Diagnostic check",
	  "check engine|engine light|diagnostic|diagnose|noise|strange noise|won't start|rattle",
	  60, 9900 },
	{ "Tire rotation", "tire|tires|rotation|rotate|alignment", 45, 4900 },
	{ "AC recharge", "ac|a c|air conditioning|recharge|freon", 60, 14900 },
	{ "State inspection", "inspection|emissions|sticker", 30, 3500 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact AUTO_FACTS[] = {
	{ "Do you offer a loaner car or a shuttle?",
	  "We offer a free shuttle within five miles while your car is in the shop." },
	{ "Is there a warranty on repairs?",
	  "Our repairs carry a 12 month, 12,000 mile warranty on parts and labor." },
	{ "Where are you located? What is your address?",
	  "We're at 1200 Industrial Road, across from the gas station." },
	{ NULL, NULL },
};

static const char *const LAW_URGENT[] = {
	"arrested", "in jail", "been arrested", "got arrested", "restraining order",
	"court tomorrow", "hearing tomorrow", "served papers", "deadline today", NULL,
};
static const struct kind_service LAW_SERVICES[] = {
	{ "Initial consultation", "consultation|consult|lawyer|attorney|legal advice", 30, 0 },
	/* Not "will": "will that be long?" is no estate plan. */
	{ "Estate planning", "a will|my will|wills|last will|estate|trust|power of attorney|probate",
	  60, 45000 },
	{ "Divorce consultation", "divorce|custody|separation|family law|child support", 60,
	  25000 },
	{ "Traffic violation defense",
	  "speeding|speeding ticket|traffic ticket|parking ticket|traffic|dui|license suspended",
	  30, 15000 },
	{ "Contract review", "contract|lease|agreement|business contract", 60, 30000 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact LAW_FACTS[] = {
	{ "Is the first consultation free?",
	  "Yes, the first 30 minute consultation is free of charge." },
	{ "Do you work on contingency?",
	  "Injury cases are on contingency; other matters are billed by the hour or a flat fee." },
	{ "Where are you located? What is your address?",
	  "Our office is at 77 Court Street, Suite 500, across from the courthouse." },
	{ NULL, NULL },
};

static const char *const VET_URGENT[] = {
	"chocolate", "grapes", "raisins", "xylitol", "ate something", "ate a sock",
	"hit by a car", "hit by car", "poison", "poisoned", "antifreeze", "can't breathe",
	"not breathing", "trouble breathing", "seizure", "seizures", "collapsed", "bloated",
	"swallowed", "bleeding", "rat poison", NULL,
};
static const struct kind_service VET_SERVICES[] = {
	{ "Wellness exam", "checkup|check up|wellness|exam|annual|physical", 30, 6500 },
	{ "Vaccinations", "vaccine|vaccines|vaccination|vaccinations|shots|rabies|booster",
	  20, 4500 },
	{ "Pet dental cleaning", "teeth|dental|tartar|bad breath", 90, 30000 },
	{ "Sick visit",
	  "sick|vomiting|throwing up|diarrhea|limping|not eating|lethargic|scratching", 30, 8500 },
	{ "Spay or neuter", "spay|spayed|neuter|neutered|fixed", 120, 25000 },
	{ NULL, NULL, 0, 0 },
};
static const struct kind_fact VET_FACTS[] = {
	{ "Do you see cats and exotic pets?",
	  "We see dogs and cats, and rabbits on Tuesdays; we don't see reptiles or birds." },
	{ "Do you offer payment plans?", "Yes, we accept CareCredit and offer payment plans." },
	{ "Where are you located? What is your address?",
	  "We're at 15 Meadow Lane, next to the park, with parking right out front." },
	{ NULL, NULL },
};

static const char *const OTHER_URGENT[] = {
	"burst pipe", "pipe burst", "flooding", "flooded", "water everywhere", "no heat",
	"no heating", "heat is out", "gas smell", "smell gas", "smells like gas", "gas leak",
	"sparks", "sparking", "smoke", "on fire", "fire", "carbon monoxide", "sewage",
	"sewer backup", "overflowing", NULL,
};
static const struct kind_service NO_SERVICES[] = { { NULL, NULL, 0, 0 } };
static const struct kind_fact NO_FACTS[] = { { NULL, NULL } };

static const char ON_SITE_GREETING[] = "How can I help you today?";
static const char VISIT_GREETING[] = "How may I help you today?";

static const struct business_kind KINDS[] = {
	{ "plumber", "Plumbing", true, "come out", ON_SITE_GREETING, PLUMBER_URGENT,
	  PLUMBER_SERVICES, PLUMBER_FACTS },
	{ "hvac", "Heating and air conditioning", true, "come out", ON_SITE_GREETING,
	  HVAC_URGENT, HVAC_SERVICES, HVAC_FACTS },
	{ "cleaning", "House cleaning", true, "come out", ON_SITE_GREETING, CLEANING_URGENT,
	  CLEANING_SERVICES, CLEANING_FACTS },
	{ "dental", "Dental clinic", false, "come in", VISIT_GREETING, DENTAL_URGENT,
	  DENTAL_SERVICES, DENTAL_FACTS },
	{ "salon", "Hair and beauty salon", false, "come in", VISIT_GREETING, GENERIC_URGENT,
	  SALON_SERVICES, SALON_FACTS },
	{ "auto_repair", "Auto repair", false, "bring the car in", VISIT_GREETING, AUTO_URGENT,
	  AUTO_SERVICES, AUTO_FACTS },
	{ "law_office", "Law office", false, "come in", VISIT_GREETING, LAW_URGENT, LAW_SERVICES,
	  LAW_FACTS },
	{ "veterinary", "Veterinary clinic", false, "come in", VISIT_GREETING, VET_URGENT,
	  VET_SERVICES, VET_FACTS },
	{ "other", "Something else", true, "come out", ON_SITE_GREETING, OTHER_URGENT, NO_SERVICES,
	  NO_FACTS },
	{ NULL, NULL, false, NULL, NULL, NULL, NULL, NULL },
};

const struct business_kind *business_kind_all(void)
{
	return KINDS;
}

bool business_kind_valid(const char *id)
{
	for (const struct business_kind *k = KINDS; id && k->id; k++)
		if (!strcmp(k->id, id))
			return true;
	return false;
}

const struct business_kind *business_kind_find(const char *id)
{
	const struct business_kind *k = KINDS;
	for (; k->id; k++)
		if (id && !strcmp(k->id, id))
			return k;
	return &KINDS[sizeof(KINDS) / sizeof(KINDS[0]) - 2];
}

/* Does phrase occur in padded (" words of the text ") as whole words? */
static bool has_phrase(const char *padded, const char *phrase)
{
	char needle[96];
	snprintf(needle, sizeof(needle), " %s ", phrase);
	return strstr(padded, needle) != NULL;
}

const char *business_kind_emergency(const struct business_kind *k, const char *text)
{
	char padded[1024];
	size_t n = 0;

	if (!text)
		return NULL;
	/* Lower-case words between single spaces; "can't" keeps its apostrophe. */
	padded[n++] = ' ';
	for (const char *p = text; *p && n < sizeof(padded) - 2; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || (c == '\'' && n > 1 && padded[n - 1] != ' '))
			padded[n++] = (char)tolower(c);
		else if (padded[n - 1] != ' ')
			padded[n++] = ' ';
	}
	if (padded[n - 1] != ' ')
		padded[n++] = ' ';
	padded[n] = '\0';
	for (const char *const *u = k ? k->urgent : NULL; u && *u; u++)
		if (has_phrase(padded, *u))
			return *u;
	for (const char *const *u = GENERIC_URGENT; *u; u++)
		if (has_phrase(padded, *u))
			return *u;
	return NULL;
}

int business_kind_apply(struct db *db, struct arena *a, const char *org_id, const char *id)
{
	const struct business_kind *k = business_kind_find(id);
	struct db_result *org = db_q(db, a, SQL_NAME, org_id);

	if (!org || db_rows(org) != 1)
		return -1;
	const char *name = db_value(org, 0, 0);
	const struct business_kind *old = business_kind_find(db_value(org, 0, 1));
	const char *greeting = arena_printf(a, "Thanks for calling %s. %s", name, k->greeting);
	const char *old_greeting = arena_printf(a, "Thanks for calling %s. %s", name,
						old->greeting);
	if (db_exec(db, a, SQL_KIND, org_id, k->id, greeting, old_greeting) != 1)
		return -1;
	for (const struct kind_service *s = k->services; s->name; s++) {
		if (db_exec(db, a, SQL_SERVICE, org_id, s->name, arena_printf(a, "%ld", s->cents),
			    arena_printf(a, "%d", s->minutes), s->keywords) < 0)
			return -1;
	}
	for (const struct kind_fact *f = k->facts; f->question; f++)
		if (db_exec(db, a, SQL_FACT, org_id, f->question, f->answer) < 0)
			return -1;
	return 0;
}

int business_kind_seed(struct db *db, struct arena *a, const char *org_id, const char *id)
{
	const struct business_kind *k = business_kind_find(id);

	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (business_kind_apply(db, a, org_id, id) < 0 || db_commit(db) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	log_error("could not seed the business %s as %s", org_id, k->id);
	return -1;
}
