/* brain_expect.c: what the receptionist waits for, and whether the caller's words answer it yet */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "domain/brain.h"
#include "domain/brain_words.h"
#include "domain/when.h"
#include "infra/arena.h"
#include "infra/json.h"

/* The rules engine's pending questions, by what their answer is. Any other is open. */
static const struct {
	const char *pending;
	enum brain_expect expect;
} PENDING[] = {
	{ "name", BRAIN_EXPECT_NAME },
	{ "message_name", BRAIN_EXPECT_NAME },
	{ "visit_name", BRAIN_EXPECT_NAME },
	{ "phone", BRAIN_EXPECT_PHONE },
	{ "message_phone", BRAIN_EXPECT_PHONE },
	{ "phone_confirm", BRAIN_EXPECT_YES_NO },
	{ "confirm", BRAIN_EXPECT_YES_NO },
	{ "transfer", BRAIN_EXPECT_YES_NO },
	{ "visit_cancel", BRAIN_EXPECT_YES_NO },
	{ "time", BRAIN_EXPECT_TIME },
};

enum brain_expect brain_expecting(const struct brain_session *s)
{
	const char *p = s && s->state ? json_str(s->state, "pending") : NULL;

	if (!p)
		return BRAIN_EXPECT_OPEN;
	for (size_t i = 0; i < sizeof(PENDING) / sizeof(PENDING[0]); i++)
		if (!strcmp(p, PENDING[i].pending))
			return PENDING[i].expect;
	return BRAIN_EXPECT_OPEN;
}

/*
 * Words no spoken sentence ends on: articles, most prepositions ("the one I'm calling from"
 * ends well), conjunctions, "is", a possessive, a hesitation. "I need a plumber for", "my name is", "tomorrow at", "um" all go on.
 */
static const char *const DANGLING[] = {
	"a", "an", "the", "my", "your", "our", "their", "his", "its", "this", "these", "those",
	"and", "or", "but", "so", "because", "cause", "if", "than", "nor",
	"for", "to", "of", "at", "on", "in", "with", "about", "by", "into", "around",
	"until", "till", "like", "between", "near", "after", "before",
	"is", "it's", "that's", "name's", "am", "are", "was", "were", "be", "i", "i'm", "we",
	"we're", "need", "want", "wanted", "needed", "would", "um", "uh", "er", "erm", "uhm",
	"hmm", "mm", "well",
};

/* Digits said as words, which a number read out loud is made of. */
static const char *const DIGIT_WORDS[] = {
	"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
};

/* The last word of text, lower case, without its punctuation, in out (at most n bytes); and
 * whether text ends on a mark that says more comes (a comma, an ellipsis, a dash). */
static bool last_word(const char *text, char *out, size_t n)
{
	size_t len = strlen(text);

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	bool trailing = len && strchr(",-:;", text[len - 1]);
	if (len >= 2 && !strncmp(text + len - 2, "..", 2))
		trailing = true;
	if (len >= 3 && !strncmp(text + len - 3, "\xe2\x80\xa6", 3))
		trailing = true;
	while (len && (ispunct((unsigned char)text[len - 1]) && text[len - 1] != '\''))
		len--;
	size_t start = len;
	while (start && !isspace((unsigned char)text[start - 1]))
		start--;
	size_t w = 0;
	for (size_t i = start; i < len && w + 1 < n; i++)
		out[w++] = (char)tolower((unsigned char)text[i]);
	out[w] = '\0';
	/* Spoken text has curly apostrophes too: "it’s". */
	char *curly = strstr(out, "\xe2\x80\x99");
	if (curly) {
		*curly = '\'';
		memmove(curly + 1, curly + 3, strlen(curly + 3) + 1);
	}
	return trailing;
}

static bool in_list(const char *word, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(word, list[i]))
			return true;
	return false;
}

/* How many digits text holds, written or said as words. */
static int count_digits(const char *text)
{
	char word[32];
	size_t w = 0;
	int n = 0;

	for (const char *p = text;; p++) {
		if (isdigit((unsigned char)*p)) {
			n++;
			continue;
		}
		if (isalpha((unsigned char)*p)) {
			if (w + 1 < sizeof(word))
				word[w++] = (char)tolower((unsigned char)*p);
			continue;
		}
		word[w] = '\0';
		if (w && in_list(word, DIGIT_WORDS, sizeof(DIGIT_WORDS) / sizeof(DIGIT_WORDS[0])))
			n++;
		w = 0;
		if (!*p)
			return n;
	}
}

/*
 * Part of a number read out in groups ("555", "It's 555 201"): words that end on digits, three
 * or more of them, not yet a whole phone number nor a time. Callers pause between the groups
 * whatever they were asked, and the LLM's questions leave no expectation to say it is a number.
 */
static bool number_going_on(struct arena *a, const char *text, const char *last)
{
	bool digits = false;

	for (const char *p = last; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits = true;
		else if (*p != '-')
			return false;
	}
	/* smart_format writes a number read out as digits; digits said as words read as a time
	 * too ("five five"). */
	if (!digits)
		return false;
	struct when w;
	return count_digits(text) >= 3 && !brain_find_phone(a, text) &&
	       when_parse(text, "UTC", time(NULL), &w) != 0;
}

enum brain_answer brain_answer_state(enum brain_expect what, const char *text)
{
	char last[64];

	if (!text || !*text)
		return BRAIN_ANSWER_UNFINISHED;
	if (last_word(text, last, sizeof(last)) || !*last ||
	    in_list(last, DANGLING, sizeof(DANGLING) / sizeof(DANGLING[0])))
		return BRAIN_ANSWER_UNFINISHED;

	/* A question of the caller's own ("what are your hours?") is finished whatever was
	 * asked: the recognizer's question mark comes from how it was said. */
	size_t len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len && text[len - 1] == '?')
		return BRAIN_ANSWER_COMPLETE;

	struct arena *a = arena_new();
	enum brain_answer state = BRAIN_ANSWER_MAYBE;
	switch (what) {
	case BRAIN_EXPECT_OPEN:
		if (number_going_on(a, text, last))
			state = BRAIN_ANSWER_UNFINISHED;
		break;
	case BRAIN_EXPECT_NAME:
		if (brain_find_name(a, text, true))
			state = BRAIN_ANSWER_COMPLETE;
		else if (number_going_on(a, text, last))
			state = BRAIN_ANSWER_UNFINISHED;
		break;
	case BRAIN_EXPECT_PHONE:
		/* Half a number read out with pauses is the commonest pause mid-answer ("the one
		 * I'm calling from" has one digit word, and is all of it). */
		if (brain_find_phone(a, text))
			state = BRAIN_ANSWER_COMPLETE;
		else if (count_digits(text) >= 3)
			state = BRAIN_ANSWER_UNFINISHED;
		break;
	case BRAIN_EXPECT_YES_NO:
		/* "No, it's 555 0101 ..." gives another number: only all of it is an answer. */
		if (count_digits(text) >= 3)
			state = brain_find_phone(a, text) ? BRAIN_ANSWER_COMPLETE
							  : BRAIN_ANSWER_UNFINISHED;
		else if (brain_says_yes(text) || brain_says_no(text))
			state = BRAIN_ANSWER_COMPLETE;
		break;
	case BRAIN_EXPECT_TIME: {
		struct when w;
		if (brain_says_asap(text) || when_parse(text, "UTC", time(NULL), &w) == 0)
			state = BRAIN_ANSWER_COMPLETE;
		break;
	}
	}
	arena_free(a);
	return state;
}
