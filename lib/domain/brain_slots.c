/* brain_slots.c: what a caller's words say: names, numbers, addresses, yes and no, emergencies */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "domain/brain_engines.h"

/*
 * Matching works on words: lower-case ASCII letters, digits and inner apostrophes, with the
 * byte span of each in the original text so a name or an address keeps the caller's spelling.
 * Long utterances are matched on their first MAX_WORDS words; nobody books in word 200.
 */
#define MAX_WORDS 200
#define WORD_BYTES 2048

struct words {
	int n;
	const char *w[MAX_WORDS];     /* lower-case copies */
	int start[MAX_WORDS];         /* byte offsets in the original text */
	int end[MAX_WORDS];
	char buf[WORD_BYTES];
};

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '\'';
}

static void words_split(struct words *ws, const char *text)
{
	size_t used = 0;
	int i = 0;

	ws->n = 0;
	while (text[i] && ws->n < MAX_WORDS) {
		if (!word_char((unsigned char)text[i]) || text[i] == '\'') {
			i++;
			continue;
		}
		int s = i;
		while (word_char((unsigned char)text[i]))
			i++;
		int e = i;
		while (e > s && text[e - 1] == '\'')
			e--;
		if (used + (size_t)(e - s) + 1 > sizeof(ws->buf))
			break;
		char *w = ws->buf + used;
		for (int k = s; k < e; k++)
			w[k - s] = (char)tolower((unsigned char)text[k]);
		w[e - s] = '\0';
		used += (size_t)(e - s) + 1;
		ws->w[ws->n] = w;
		ws->start[ws->n] = s;
		ws->end[ws->n] = e;
		ws->n++;
	}
}

/* Does the phrase (words separated by single spaces) occur at word at? */
static bool phrase_at(const struct words *ws, int at, const char *phrase)
{
	const char *p = phrase;
	int i = at;

	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (i >= ws->n || strlen(ws->w[i]) != len || strncmp(ws->w[i], p, len))
			return false;
		i++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return true;
}

static int phrase_words(const char *phrase)
{
	int n = 1;
	for (const char *p = phrase; *p; p++)
		n += *p == ' ';
	return n;
}

/* Index of the first word where one of the phrases starts, or -1; *which gets the phrase. */
static int find_any(const struct words *ws, const char *const *phrases, const char **which)
{
	for (int i = 0; i < ws->n; i++)
		for (const char *const *p = phrases; *p; p++)
			if (phrase_at(ws, i, *p)) {
				if (which)
					*which = *p;
				return i;
			}
	return -1;
}

static bool has_any(const char *text, const char *const *phrases)
{
	struct words ws;
	words_split(&ws, text);
	return find_any(&ws, phrases, NULL) >= 0;
}

static bool starts_with_any(const struct words *ws, const char *const *phrases)
{
	for (const char *const *p = phrases; *p; p++)
		if (phrase_at(ws, 0, *p))
			return true;
	return false;
}

static bool in_list(const char *w, const char *const *list)
{
	for (const char *const *p = list; *p; p++)
		if (!strcmp(w, *p))
			return true;
	return false;
}

/* Length of the UTF-8 sequence starting at s, or 0 when it is not valid UTF-8. */
static size_t utf8_length(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0;
	if (n == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0;  /* UTF-16 surrogates */
	if (n == 4 && s[0] == 0xf0 && s[1] < 0x90)
		return 0;
	if (n == 4 && s[0] == 0xf4 && s[1] >= 0x90)
		return 0;
	return n;
}

char *brain_clean_text(struct arena *a, const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	char *out = arena_alloc(a, max + 1);
	size_t n = 0;
	bool space = false;

	while (*s && n < max) {
		size_t len = utf8_length(s);
		if (len == 0 || *s < 0x20 || *s == 0x7f) {
			/* Control characters and broken bytes become word breaks, never data. */
			space = n > 0;
			s += len ? len : 1;
			continue;
		}
		if (*s == ' ') {
			space = n > 0;
			s++;
			continue;
		}
		if (space) {
			if (n + 1 >= max)
				break;
			out[n++] = ' ';
			space = false;
		}
		if (n + len > max)
			break;
		memcpy(out + n, s, len);
		n += len;
		s += len;
	}
	out[n] = '\0';
	return out;
}

bool brain_is_backchannel(const char *utterance)
{
	static const char *const acknowledgements[] = {
		"yeah", "yes", "yep", "yup", "uh", "huh", "um", "hm", "hmm", "mm", "mmm", "mhm",
		"mmhmm", "okay", "ok", "right", "sure", "alright", "got", "it", "i", "see", "cool",
		"aha", "ah", "oh", "uhhuh", NULL,
	};
	struct words ws;

	if (!utterance)
		return false;
	words_split(&ws, utterance);
	if (ws.n == 0 || ws.n > 4)
		return false;
	for (int i = 0; i < ws.n; i++)
		if (!in_list(ws.w[i], acknowledgements))
			return false;
	/* "i" and "it" only count inside "i see" and "got it". */
	return strcmp(ws.w[0], "i") && strcmp(ws.w[0], "it");
}

/* Words that follow "this is" or "i'm" without being a name. */
static const char *const not_names[] = {
	"a", "an", "the", "about", "regarding", "urgent", "calling", "having", "not", "just",
	"looking", "trying", "wondering", "interested", "here", "in", "at", "on", "very", "really",
	"so", "sorry", "good", "fine", "great", "okay", "ok", "sure", "yes", "no", "yeah", "hi",
	"hello", "hey", "and", "but", "or", "my", "your", "our", "for", "to", "from", "with", "it",
	"is", "i", "i'm", "we", "you", "me", "this", "that", "what", "who", "how", "when", "where",
	"why", "can", "could", "would", "will", "do", "does", "did", "need", "want", "like",
	"please", "thanks", "thank", "calling", "speaking", "phone", "number", "again", "going",
	"getting", "still", "also", "um", "uh", "well", "actually", "emergency", "call", "an",
	"afraid", "worried", "concerned", "glad", "happy", "out", "home", "away", "booked",
	"available", "free", "busy", "new", "existing", "customer", "ready", "there", "gonna",
	"all", "done", "set", "bye", "goodbye", "of", "if", "as", "be", "by", "up", "down",
	"now", "today", "tomorrow", "call", "appointment", "booking", "be", "was", "had",
	"that's", "right", "correct", "sounds", "perfect", "works", "fine", "yep", "yup", "nope",
	"exactly", "absolutely", "definitely", "alright", "it's", "its", "actually", "wait",
	"cancel", "reschedule", "move", "change", "help", "calling", NULL,
};

static bool alpha_word(const char *w)
{
	if (!isalpha((unsigned char)*w))
		return false;
	for (; *w; w++)
		if (!isalpha((unsigned char)*w) && *w != '\'')
			return false;
	return true;
}

/* Up to three name words starting at word at, from the original text; NULL when none. */
static const char *name_from(struct arena *a, const char *text, const struct words *ws, int at)
{
	char name[200] = "";
	size_t n = 0;
	int count = 0;

	for (int i = at; i < ws->n && count < 3; i++) {
		const char *w = ws->w[i];
		if (!alpha_word(w) || in_list(w, not_names))
			break;
		/* A name stops at punctuation: "this is Ana, my sink is clogged". */
		if (count > 0 && ws->start[i] > ws->end[i - 1] &&
		    text[ws->end[i - 1]] != ' ')
			break;
		int len = ws->end[i] - ws->start[i];
		if (n + (size_t)len + 2 >= sizeof(name))
			break;
		if (n)
			name[n++] = ' ';
		for (int k = 0; k < len; k++) {
			char c = text[ws->start[i] + k];
			/* Recognizers often send lower case; a name is spoken capitalized. */
			name[n++] = k == 0 ? (char)toupper((unsigned char)c) : c;
		}
		name[n] = '\0';
		count++;
	}
	return count ? arena_strdup(a, name) : NULL;
}

/* "Lopez. Ana Lopez.": of the sentences that are each a name, the one with most words. */
static const char *longest_sentence_name(struct arena *a, const char *text)
{
	const char *best = NULL;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, ".");
		char *one = arena_strndup(a, p, len);
		const char *name = len ? brain_find_name(a, one, true) : NULL;
		if (name && (!best || strlen(name) > strlen(best)))
			best = name;
		p += len;
		while (*p == '.' || *p == ' ')
			p++;
	}
	return best;
}

const char *brain_find_name(struct arena *a, const char *text, bool expecting)
{
	static const char *const sure[] = {
		"my name is", "my name's", "name is", "name's", "the name is", "call me",
		"you can call me", "it's under", "under the name", "my name it's", "name it's",
		"name is it's", NULL,
	};
	static const char *const maybe[] = { "this is", "i'm", "i am", "it's", "it is", NULL };
	static const char *const fillers[] = {
		"yes", "yeah", "sure", "ok", "okay", "hi", "hello", "um", "uh", "it's", "its", "it",
		"is", "oh", "well", "thanks", NULL,
	};
	struct words ws;
	const char *which = NULL;
	int at;

	if (expecting && strstr(text, ". ")) {
		const char *name = longest_sentence_name(a, text);
		if (name)
			return name;
	}
	words_split(&ws, text);
	at = find_any(&ws, sure, &which);
	if (at >= 0)
		return name_from(a, text, &ws, at + phrase_words(which));
	at = find_any(&ws, maybe, &which);
	if (at >= 0) {
		int first = at + phrase_words(which);
		/* "this is Ana" yes; "this is urgent" no: a guess needs a capital or a question. */
		if (first < ws.n && (expecting || isupper((unsigned char)text[ws.start[first]])) &&
		    (strcmp(which, "it's") && strcmp(which, "it is") ? true : expecting)) {
			const char *name = name_from(a, text, &ws, first);
			if (name)
				return name;
		}
	}
	/* "X speaking" */
	for (int i = 1; i < ws.n; i++)
		if (!strcmp(ws.w[i], "speaking") && i <= 3) {
			const char *name = name_from(a, text, &ws, 0);
			if (name)
				return name;
		}
	if (!expecting || ws.n == 0)
		return NULL;
	int first = 0;
	if (ws.n > 6) {
		/* "Fatima Rivera, and my number is ...": the name is what comes before the comma. */
		while (first < ws.n && in_list(ws.w[first], fillers))
			first++;
		const char *comma = first < ws.n ? strchr(text + ws.start[first], ',') : NULL;
		if (!comma || first >= ws.n || ws.start[first] > comma - text)
			return NULL;
		int last = first;
		while (last < ws.n && ws.end[last] <= comma - text)
			last++;
		if (last - first < 1 || last - first > 3)
			return NULL;
		for (int i = first; i < last; i++)
			if (!alpha_word(ws.w[i]) || in_list(ws.w[i], not_names))
				return NULL;
		return name_from(a, text, &ws, first);
	}
	while (first < ws.n && in_list(ws.w[first], fillers))
		first++;
	if (first >= ws.n)
		return NULL;
	/* A bare answer to "may I have your name": only name words, then maybe "thanks". */
	int last = ws.n;
	while (last > first && in_list(ws.w[last - 1], (const char *const[]){ "thanks", "please",
								   "thank", "you", NULL }))
		last--;
	if (last - first < 1 || last - first > 3)
		return NULL;
	for (int i = first; i < last; i++)
		if (!alpha_word(ws.w[i]) || in_list(ws.w[i], not_names))
			return NULL;
	return name_from(a, text, &ws, first);
}

static int digit_word(const char *w)
{
	static const char *const digits[] = {
		"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", NULL,
	};
	if (!strcmp(w, "oh") || !strcmp(w, "o"))
		return 0;
	for (int d = 0; digits[d]; d++)
		if (!strcmp(w, digits[d]))
			return d;
	return -1;
}

static bool all_digits(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!isdigit((unsigned char)*w))
			return false;
	return true;
}

const char *brain_find_phone(struct arena *a, const char *text)
{
	struct words ws;

	words_split(&ws, text);
	for (int i = 0; i < ws.n; i++) {
		char run[32];
		size_t n = 0;
		int j = i;
		for (; j < ws.n; j++) {
			const char *w = ws.w[j];
			if (all_digits(w)) {
				size_t len = strlen(w);
				if (n + len >= sizeof(run))
					break;
				memcpy(run + n, w, len);
				n += len;
			} else if (digit_word(w) >= 0 && !(n == 0 && (!strcmp(w, "oh") ||
								  !strcmp(w, "o")))) {
				if (n + 1 >= sizeof(run))
					break;
				run[n++] = (char)('0' + digit_word(w));
			} else {
				break;
			}
		}
		run[n] = '\0';
		if (n == 11 && run[0] == '1')
			memmove(run, run + 1, n--);
		/* NANP: area code and exchange never start with 0 or 1; 555 test numbers do not. */
		if (n == 10 && run[0] >= '2')
			return arena_printf(a, "+1%s", run);
		if (j > i)
			i = j - 1;
	}
	return NULL;
}

const char *brain_say_phone(struct arena *a, const char *e164)
{
	if (!e164)
		return NULL;
	if (strlen(e164) == 12 && !strncmp(e164, "+1", 2) && all_digits(e164 + 2))
		return arena_printf(a, "%.3s-%.3s-%.4s", e164 + 2, e164 + 5, e164 + 8);
	return arena_strdup(a, e164);
}

static const char *const street_words[] = {
	"street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "dr", "court", "ct",
	"way", "boulevard", "blvd", "place", "pl", "circle", "terrace", "parkway", "pkwy",
	"highway", "hwy", "trail", "square", "loop", "row", "alley", NULL,
};

/* The original text from word from through word to, plus an "apartment 4" that follows. */
static const char *address_span(struct arena *a, const char *text, const struct words *ws,
				int from, int to)
{
	static const char *const units[] = { "apt", "apartment", "unit", "suite", NULL };
	if (to + 2 < ws->n && in_list(ws->w[to + 1], units))
		to += 2;
	return arena_strndup(a, text + ws->start[from], (size_t)(ws->end[to] - ws->start[from]));
}

const char *brain_find_address(struct arena *a, const char *text, bool expecting)
{
	static const char *const leads[] = {
		"the address is", "address is", "my address is", "address", "it's", "its", "it is",
		"i live at", "we live at", "i'm at", "we're at", "i am at", "we are at", "at", "sure",
		"yes", "yeah", "ok", "okay", "um", "uh", "the", NULL,
	};
	struct words ws;

	words_split(&ws, text);
	for (int i = 0; i < ws.n; i++) {
		if (!all_digits(ws.w[i]) || strlen(ws.w[i]) > 6)
			continue;
		for (int j = i + 1; j < ws.n && j <= i + 5; j++)
			if (in_list(ws.w[j], street_words) && j > i + 1)
				return address_span(a, text, &ws, i, j);
	}
	if (!expecting || ws.n == 0)
		return NULL;
	int first = 0;
	for (bool again = true; again && first < ws.n;) {
		again = false;
		for (const char *const *p = leads; *p; p++)
			if (phrase_at(&ws, first, *p)) {
				first += phrase_words(*p);
				again = true;
				break;
			}
	}
	if (first >= ws.n)
		return NULL;
	for (int i = first; i < ws.n; i++)
		if (all_digits(ws.w[i]) || in_list(ws.w[i], street_words))
			return arena_strndup(a, text + ws.start[first],
					     strnlen(text + ws.start[first], 300));
	return NULL;
}

const char *brain_find_emergency(const char *text)
{
	static const char *const emergencies[] = {
		"burst pipe", "pipe burst", "pipe has burst", "pipe just burst", "burst", "flooding",
		"flooded", "flood", "water everywhere", "water is pouring", "pouring water",
		"no heat", "no heating", "heat is out", "heat went out", "gas smell", "smell gas",
		"smells like gas", "smell of gas", "gas leak", "leaking gas", "sparks", "sparking",
		"sparked", "smoke", "smoking", "on fire", "fire", "carbon monoxide", "sewage",
		"sewer backup", "sewage backup", "overflowing", "emergency", "urgent", NULL,
	};
	struct words ws;
	const char *which = NULL;

	if (!text)
		return NULL;
	words_split(&ws, text);
	return find_any(&ws, emergencies, &which) >= 0 ? which : NULL;
}

int brain_find_ordinal(const char *text, int count)
{
	static const char *const ordinals[][5] = {
		{ "first", "1st", "earliest", "earlier", NULL },
		{ "second", "2nd", "middle", NULL },
		{ "third", "3rd", NULL },
	};
	static const char *const lasts[] = { "last", "latest", "later", "final", NULL };
	struct words ws;

	if (count <= 0)
		return -1;
	words_split(&ws, text);
	/* "first thing tomorrow" names a time of day, not the first of the offers. */
	if (find_any(&ws, (const char *const[]){ "first thing", NULL }, NULL) >= 0)
		return -1;
	for (int k = 0; k < 3 && k < count; k++)
		if (find_any(&ws, ordinals[k], NULL) >= 0)
			return k;
	if (find_any(&ws, lasts, NULL) >= 0)
		return count - 1;
	return -1;
}

static const char *const no_words[] = {
	"no", "nope", "nah", "not really", "not right", "wrong", "incorrect", "that's not",
	"that is not", "that isn't", "negative", "don't", "do not", "not that", "not now",
	"no thanks", "no thank you", "rather not", "i'd rather not", NULL,
};

bool brain_says_no(const char *text)
{
	struct words ws;
	words_split(&ws, text);
	return starts_with_any(&ws, no_words) ||
	       find_any(&ws, (const char *const[]){ "no thanks", "no thank you", "that's wrong",
						    "not correct", "that's not right", NULL },
			NULL) >= 0;
}

bool brain_says_yes(const char *text)
{
	static const char *const starts[] = {
		"yes", "yeah", "yep", "yup", "ya", "sure", "correct", "right", "ok", "okay",
		"absolutely", "definitely", "please", "perfect", "great", "fine", "of course",
		"certainly", "uh huh", "mhm", "alright", "all right", "yes please", "go ahead",
		"that's right", "that's correct", "that is correct", "that's fine", "that works",
		"that's it", "that'll work", "sounds good", "sounds great", "book it", "do it",
		"let's do it", "it's fine", "it's good", "that one", "exactly", "mm", "mhm",
		"mm hm", "mm hmm", "uh huh", NULL,
	};
	static const char *const anywhere[] = {
		"sounds good", "that works", "go ahead", "please do", "book it", "that's right",
		"that's correct", "that would be great", "that'd be great", "works for me",
		"that's perfect", "connect me", "transfer me", "put me through", "that's fine",
		"that's good", "fine by me", "that'll do", NULL,
	};
	static const char *const fillers[] = { "uh", "um", "oh", "well", "so", "ah", "er", NULL };
	struct words ws;

	words_split(&ws, text);
	if (ws.n == 0 || brain_says_no(text))
		return false;
	/* "Uh yeah, that's fine": hesitation before the yes. */
	int first = 0;
	while (first < ws.n - 1 && in_list(ws.w[first], fillers))
		first++;
	for (const char *const *p = starts; *p; p++)
		if (phrase_at(&ws, first, *p))
			return true;
	return find_any(&ws, anywhere, NULL) >= 0;
}

bool brain_says_goodbye(const char *text)
{
	static const char *const byes[] = {
		"bye", "goodbye", "good bye", "bye bye", "that's all", "that is all", "that's it",
		"that's everything", "nothing else", "no thanks", "no thank you", "i'm all set",
		"i'm good", "we're good", "all set", "hang up", "have a good day",
		"have a nice day", "talk to you later", "i'll call back", "never mind", "nevermind",
		NULL,
	};
	return has_any(text, byes);
}

bool brain_wants_message(const char *text)
{
	static const char *const messages[] = {
		"leave a message", "take a message", "leave him a message", "leave her a message",
		"leave them a message", "leave a note", "pass a message", "pass on a message",
		"pass along a message", "leave a voicemail", "voicemail", "give a message",
		"message for", NULL,
	};
	return has_any(text, messages);
}

bool brain_wants_person(const char *text)
{
	static const char *const people[] = {
		"a person", "a human", "a real person", "real person", "someone real",
		"talk to someone", "speak to someone", "speak with someone", "talk with someone",
		"representative", "operator", "the owner", "a technician now", "transfer me",
		"connect me", "put me through", "speak to a", "talk to a", NULL,
	};
	return has_any(text, people);
}

bool brain_wants_booking(const char *text)
{
	static const char *const bookings[] = {
		"book", "booking", "appointment", "schedule", "come out", "come by", "send someone",
		"send somebody", "need someone", "need somebody", "technician", "plumber",
		"someone to", "a visit", "set up", "fix", "repair", "estimate", "quote", "install",
		"available", "availability", NULL,
	};
	return has_any(text, bookings);
}

bool brain_asks_hours(const char *text)
{
	static const char *const hours[] = {
		"open", "opening", "close", "closing", "closed", NULL,
	};
	static const char *const surely[] = {
		"hours", "opening hours", "business hours", "what time do you", NULL,
	};
	/* "your first opening" asks for a time, not for the opening hours. */
	if (brain_says_asap(text))
		return false;
	return has_any(text, surely) || (brain_is_question(text) && has_any(text, hours));
}

bool brain_asks_price(const char *text)
{
	static const char *const prices[] = {
		"how much", "price", "prices", "pricing", "cost", "costs", "charge", "charges",
		"rate", "rates", "fee", "fees", NULL,
	};
	return has_any(text, prices);
}

bool brain_is_question(const char *text)
{
	static const char *const openers[] = {
		"what", "what's", "when", "where", "how", "who", "which", "why", "do", "does",
		"did", "can", "could", "is", "are", "will", "would", "should", "have", "has", NULL,
	};
	struct words ws;
	size_t len = strlen(text);

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len && text[len - 1] == '?')
		return true;
	words_split(&ws, text);
	int first = 0;
	/* "so, are you open" / "and how much is it" / "hi, do you" */
	while (first < ws.n && first < 2 &&
	       in_list(ws.w[first], (const char *const[]){ "so", "and", "hi", "hello", "um",
							   "uh", "also", "okay", "ok", "oh",
							   NULL }))
		first++;
	/* "can you come out tomorrow" is a request; "can I" and "could you" are, too. */
	if (first < ws.n && in_list(ws.w[first], openers)) {
		if (first + 1 < ws.n && in_list(ws.w[first], (const char *const[]){
			"can", "could", "would", "will", NULL }) &&
		    in_list(ws.w[first + 1], (const char *const[]){ "i", "you", "we", "someone",
								     "somebody", NULL }))
			return false;
		return true;
	}
	return false;
}

const char *brain_find_spelled(struct arena *a, const char *text)
{
	struct words ws;
	char word[64];

	words_split(&ws, text);
	for (int i = 0; i < ws.n; i++) {
		size_t n = 0;
		int j = i;
		while (j < ws.n && strlen(ws.w[j]) == 1 && isalpha((unsigned char)ws.w[j][0]) &&
		       n < sizeof(word) - 1)
			word[n++] = ws.w[j++][0];
		if (n >= 3) {
			word[n] = '\0';
			word[0] = (char)toupper((unsigned char)word[0]);
			return arena_strdup(a, word);
		}
	}
	return NULL;
}

bool brain_wants_cancel(const char *text)
{
	static const char *const cancels[] = {
		"cancel my", "cancel the", "cancel an", "cancel our", "cancel it", "cancel that",
		"cancel appointment", "need to cancel", "want to cancel", "like to cancel", NULL,
	};
	/* "what is your cancellation policy" asks about cancelling; it cancels nothing. */
	return has_any(text, cancels) &&
	       !has_any(text, (const char *const[]){ "policy", "fee", "charge", NULL });
}

bool brain_wants_move(const char *text)
{
	static const char *const moves[] = {
		"reschedule", "move my", "move the", "move our", "move it", "change my appointment",
		"change the appointment", "change my booking", "change the time", "push back my",
		"push my", "different time for my", "rebook", NULL,
	};
	return has_any(text, moves);
}

bool brain_is_confirmation(const char *text)
{
	static const char *const fillers[] = {
		"yes", "yeah", "yep", "yup", "ya", "sure", "correct", "right", "ok", "okay", "that's",
		"that", "is", "it", "sounds", "good", "great", "perfect", "fine", "works", "please",
		"absolutely", "definitely", "exactly", "alright", "all", "thanks", "thank", "you",
		"go", "ahead", "do", "book", "that'll", "work", "of", "course", "uh", "huh", "mhm",
		"for", "me", "so", "the", "one", "lovely", "cool", NULL,
	};
	struct words ws;

	if (!brain_says_yes(text))
		return false;
	words_split(&ws, text);
	for (int i = 0; i < ws.n; i++)
		if (!in_list(ws.w[i], fillers))
			return false;
	return true;
}

bool brain_says_asap(const char *text)
{
	static const char *const asap[] = {
		"as soon as possible", "asap", "as soon as you can", "earliest you have",
		"earliest available", "earliest appointment", "earliest opening", "first available",
		"first opening", "soonest", "next available", "whenever you have", "first thing you have",
		"as early as possible", "right away", NULL,
	};
	if (!text)
		return false;
	return has_any(text, asap);
}

bool brain_names_choice(const char *text)
{
	static const char *const choices[] = {
		"the first one", "the second one", "the third one", "the last one", "the first",
		"the second", "the third", "the last", "the earlier one", "the later one",
		"the earlier", "the later", "the middle one", "first one", "second one", "third one",
		"last one", "earlier one", "later one", "that one", "either one", "any of those",
		NULL,
	};
	if (!text)
		return false;
	/* "the first opening", "the first available" ask for the soonest, not for an offer. */
	return has_any(text, choices) && !brain_says_asap(text);
}
