/* availability_words.h: the sentence that tells a caller or an owner why a time cannot be booked */
#ifndef SB_AVAILABILITY_WORDS_H
#define SB_AVAILABILITY_WORDS_H

#include <time.h>

#include "domain/availability.h"
#include "domain/availability_load.h"

struct arena;

/*
 * The reason for verdict at at, naming what decided it: the weekday, the break and when it
 * ends, the hours, the closure's dates and reason (which, may be NULL), the notice or the
 * horizon. r is the resource that came closest (NULL when none). Returns "" for
 * AVAILABILITY_AVAILABLE; the sentence is arena-owned.
 */
const char *availability_words(struct arena *a, const struct schedule *s,
			       const struct resource_schedule *r, const struct availability_query *q,
			       time_t at, enum availability_verdict verdict, const struct hold *which);

#endif
