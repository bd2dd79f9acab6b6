/* fuzz_brain_words.c: the rules brain's readers of what a caller said (brain_slots.c) */
/*
 * Input: one byte of options (expecting a name or address, how many options were offered, the
 * cleaning limit), then the caller's words. Every reader that needs no database runs over the
 * raw words and over brain_clean_text()'s cleaning of them. Proves no out-of-bounds access or
 * undefined behaviour in the word splitting and matching, and the promised shapes: clean text
 * is valid UTF-8 (checked by ICU) without control characters and at most max bytes; a phone
 * is +1 and ten digits and is read out as 555-010-1234; an ordinal is -1 or one of the options.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>

#include "infra/arena.h"
#include "domain/brain_engines.h"

static void check_clean(const char *s, size_t max)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t units;

	if (strlen(s) > max)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	/* Measuring is enough: ICU refuses ill-formed UTF-8 before it would copy anything. */
	u_strFromUTF8(NULL, 0, &units, s, -1, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		abort();
}

static void read_words(struct arena *a, const char *text, bool expecting, int count)
{
	const char *phone = brain_find_phone(a, text);

	if (phone) {
		const char *said = brain_say_phone(a, phone);
		if (strlen(phone) != 12 || strncmp(phone, "+1", 2) || strlen(said) != 12)
			abort();
		for (int i = 2; i < 12; i++)
			if (!isdigit((unsigned char)phone[i]))
				abort();
	}
	int ordinal = brain_find_ordinal(text, count);
	if (ordinal < -1 || ordinal >= count)
		abort();
	brain_find_name(a, text, expecting);
	brain_find_address(a, text, expecting);
	brain_find_emergency(text);
	brain_is_backchannel(text);
	brain_says_yes(text);
	brain_says_no(text);
	brain_says_goodbye(text);
	brain_wants_message(text);
	brain_wants_person(text);
	brain_wants_booking(text);
	brain_asks_hours(text);
	brain_asks_price(text);
	brain_is_question(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct arena *a = arena_new();
	bool expecting = data[0] & 1;
	int count = (data[0] >> 1) & 3;
	size_t max = data[0] & 0x80 ? 500 : (size_t)(data[0] >> 3);
	char *text = strndup((const char *)data + 1, size - 1);
	char *clean = brain_clean_text(a, text, max);

	check_clean(clean, max);
	read_words(a, text, expecting, count);
	read_words(a, clean, expecting, count);
	free(text);
	arena_free(a);
	return 0;
}
