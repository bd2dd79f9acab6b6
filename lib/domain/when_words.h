/* when_words.h: the words, numbers and calendar days the date and time reader is built from */
#ifndef SB_WHEN_WORDS_H
#define SB_WHEN_WORDS_H

#include <stdbool.h>

#define WHEN_MAX_TOKENS 96
#define WHEN_TOKEN_CHARS 24

/* What a caller said as lower-case words and numbers. */
struct tokens {
	char word[WHEN_MAX_TOKENS][WHEN_TOKEN_CHARS];
	int n;
};

/*
 * Split text into tokens: "p.m." becomes "pm", "a.s.a.p." "asap", "o'clock" "oclock", "2.30"
 * "2:30", "3-4" "3 to 4", "3ish" "3 ish", digits and letters apart ("2pm", "14th").
 */
void when_tokenize(const char *text, struct tokens *t);

/* Is token i the word? False past either end. */
bool when_is(const struct tokens *t, int i, const char *word);

/* The index of word in a NULL-terminated list, or -1. */
int when_find_word(const char *const *list, const char *word);

/* Is token i one of a NULL-terminated list of words? */
bool when_is_any(const struct tokens *t, int i, const char *const *list);

/* A number in digits or words ("14", "fourteen", "twenty one") at i: tokens used, or 0. */
int when_read_number(const struct tokens *t, int i, int *value);

/* Is the number at i written in words rather than digits? */
bool when_is_spelled(const struct tokens *t, int i);

/* An ordinal ("14th", "fourteenth", "twenty first") at i, 1-31: tokens used, or 0. */
int when_read_ordinal(const struct tokens *t, int i, int *value);

/* The month named at i ("march", "sept"), 1-12, or 0. */
int when_read_month(const struct tokens *t, int i);

/* The weekday named at i ("tuesday", "tuesdays", "tues"), 0 = Sunday, or -1. */
int when_read_weekday(const struct tokens *t, int i);

/* Civil calendar (proleptic Gregorian) in days since 1970-01-01, so day steps never see DST. */
long when_days_from_civil(int year, int month, int day);
void when_civil_from_days(long days, int *year, int *month, int *day);
int when_weekday_of(long days);    /* 0 = Sunday */
int when_days_in_month(int year, int month);

#endif
