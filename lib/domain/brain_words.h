/* brain_words.h: what a caller's words say, for the brain and for the modules after a call */
#ifndef SB_BRAIN_WORDS_H
#define SB_BRAIN_WORDS_H

/* The bodies live in brain_slots.c, beside the slot filling that reads the most of them. */

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* text as one line of valid UTF-8 without control characters, at most max bytes (arena). */
char *brain_clean_text(struct arena *a, const char *text, size_t max);

/* The caller's name from "this is John Smith", "my name's Ana" (or, when expecting, a bare
 * "John Smith"), capitalized (arena); NULL when none. */
const char *brain_find_name(struct arena *a, const char *text, bool expecting);

/* A North American number in text ("555 222 3333", "(555) 222-3333", "+1 555..."), spoken
 * digits included, as E.164 (arena); NULL when none. */
const char *brain_find_phone(struct arena *a, const char *text);

/* An E.164 number read out as a receptionist would: "+15550101234" -> "555-010-1234"
 * (arena). */
const char *brain_say_phone(struct arena *a, const char *e164);

/* A street address ("12 Elm Street", "at 40 Oak Ave", or when expecting any line with a
 * house number or a street word) (arena); NULL when none. */
const char *brain_find_address(struct arena *a, const char *text, bool expecting);

/* The emergency the caller describes ("burst pipe", "gas smell", ...), or NULL. Borrowed: a
 * static string. */
const char *brain_find_emergency(const char *text);

/* Which of several offered options the caller picks: "the first one" 0, "the second" 1,
 * "the last one" count-1; -1 when no ordinal is named. */
int brain_find_ordinal(const char *text, int count);

/* "as soon as possible", "the earliest you have", "first available". */
bool brain_says_asap(const char *text);

/* "the first one", "the later one", "that one": a choice among offered times. */
bool brain_names_choice(const char *text);

/* A word spelled out letter by letter ("L-O-P-E-Z", "l o p e z") as "Lopez" (arena); NULL when
 * none. */
const char *brain_find_spelled(struct arena *a, const char *text);

/* The caller wants to cancel, or to move, an appointment already made. */
bool brain_wants_cancel(const char *text);
bool brain_wants_move(const char *text);

/* Only a confirmation: "yes", "yeah that's right", "sounds good", with nothing else in it. */
bool brain_is_confirmation(const char *text);

/* Whether text says so: yes, no, goodbye, "leave a message", "a real person", "book",
 * "what are your hours", "how much", or asks a question at all. */
bool brain_says_yes(const char *text);
bool brain_says_no(const char *text);
bool brain_says_goodbye(const char *text);
bool brain_wants_message(const char *text);
bool brain_wants_person(const char *text);
bool brain_wants_booking(const char *text);
bool brain_asks_hours(const char *text);
bool brain_asks_price(const char *text);
bool brain_is_question(const char *text);

#endif
