/* brain_preempt.c: preemptive generation: a turn's first LLM request, run dry while the caller pauses */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/brain.h"
#include "domain/brain_engines.h"
#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/xalloc.h"
#include "provider/llm.h"

/*
 * A draft is the first request brain_llm_turn would send for some words, sent before the
 * caller's turn is known to be over. It works on a copy of the session, runs no tool, stores
 * nothing and passes nothing on: what the model says is only kept. When the turn turns out to
 * be those very words, brain_turn_drafted() takes the draft's answer as its own first request
 * (waiting for the rest of it when it still streams); otherwise the draft is cancelled and
 * forgotten. Only the LLM engine is drafted: the rules engine answers a turn in 3-4 ms of CPU,
 * less than anything a draft could win back.
 */

enum draft_phase {
	DRAFT_QUEUED,      /* brain_draft_run() has not begun */
	DRAFT_ASKING,      /* the request is on its way or streaming */
	DRAFT_WORDS,       /* the model answered in words only */
	DRAFT_TOOLS,       /* the model asked for tools (perhaps after some words) */
	DRAFT_FAILED,      /* a failure, a timeout, a cancel, or an answer without words */
};

struct brain_draft {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int refs;                  /* under lock */
	int cancel;                /* atomic: the request stops soon after it turns 1 */
	/* The draft's own memory: the session copy, the request and the model's answer. Only the
	 * thread running the draft allocates in it; the rest is read once the draft has ended. */
	struct arena *a;
	struct brain_session s;    /* a copy of the session as the draft began */
	const char *text;          /* the caller's words, cleaned as brain_turn cleans them */
	const char *key;           /* the same, folded for comparing (brain_draft_matches) */
	enum draft_phase phase;    /* under lock */
	struct buf said;           /* under lock: the model's words so far */
	struct llm_result res;     /* set as the phase leaves DRAFT_ASKING */
};

/* Words compared the way a recognizer may vary them: lower case, apostrophes (' and U+2019)
 * dropped, every other run of punctuation or space one space, none at either end. Arena-owned. */
static const char *draft_fold(struct arena *a, const char *text)
{
	struct buf b = BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\'')
			continue;
		if (!strncmp((const char *)p, "\xe2\x80\x99", 3)) {  /* the typographic apostrophe */
			p += 2;
			continue;
		}
		if (*p >= 0x80 || isalnum(*p)) {
			buf_putc(&b, (char)tolower(*p));
			continue;
		}
		if (b.len && b.data[b.len - 1] != ' ')
			buf_putc(&b, ' ');
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	const char *folded = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return folded;
}

struct brain_draft *brain_draft_new(const struct brain_session *s, const char *caller_text)
{
	if (!caller_text || !llm_configured(&s->providers->llm))
		return NULL;
	struct brain_draft *d = xcalloc(1, sizeof(*d));
	json_t *state = json_deep_copy(s->state);

	if (!state)
		xalloc_die();
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->changed, NULL);
	d->refs = 1;
	d->a = arena_new();
	d->s = *s;
	d->s.org_id = arena_strdup(d->a, s->org_id);
	d->s.call_id = arena_strdup(d->a, s->call_id);
	d->s.caller_number = arena_strdup(d->a, s->caller_number);
	d->s.state = json_to_arena(d->a, state);
	d->s.on_tool = NULL;
	d->s.on_tool_arg = NULL;
	d->text = brain_clean_text(d->a, caller_text, BRAIN_CALLER_TEXT_MAX);
	d->key = draft_fold(d->a, d->text);
	if (!*d->key) {
		brain_draft_unref(d);
		return NULL;
	}
	return d;
}

struct brain_draft *brain_draft_ref(struct brain_draft *d)
{
	pthread_mutex_lock(&d->lock);
	d->refs++;
	pthread_mutex_unlock(&d->lock);
	return d;
}

void brain_draft_unref(struct brain_draft *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	int left = --d->refs;
	pthread_mutex_unlock(&d->lock);
	if (left)
		return;
	buf_release(&d->said);
	arena_free(d->a);
	pthread_cond_destroy(&d->changed);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

bool brain_draft_matches(const struct brain_draft *d, const char *caller_text)
{
	struct arena *a = arena_new();
	bool same = !strcmp(d->key, draft_fold(a, caller_text ? caller_text : ""));

	arena_free(a);
	return same;
}

void brain_draft_cancel(struct brain_draft *d)
{
	__atomic_store_n(&d->cancel, 1, __ATOMIC_RELEASE);
}

static void draft_heard(void *arg, const char *text)
{
	struct brain_draft *d = arg;

	pthread_mutex_lock(&d->lock);
	buf_puts(&d->said, text);
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
}

void brain_draft_run(struct brain_draft *d, struct db *db)
{
	struct llm_result res;

	pthread_mutex_lock(&d->lock);
	bool go = d->phase == DRAFT_QUEUED && !__atomic_load_n(&d->cancel, __ATOMIC_ACQUIRE);
	d->phase = go ? DRAFT_ASKING : DRAFT_FAILED;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	if (!go)
		return;
	int rc = brain_llm_first_request(db, d->a, &d->s, d->text, draft_heard, d, &d->cancel,
					 &res);
	pthread_mutex_lock(&d->lock);
	d->res = res;
	if (rc < 0)
		d->phase = DRAFT_FAILED;
	else if (res.ntool_calls)
		d->phase = DRAFT_TOOLS;
	else
		d->phase = d->said.len ? DRAFT_WORDS : DRAFT_FAILED;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
}

/*
 * The draft's answer, taken by a turn as its first (a brain_first_answer_fn): the words the
 * model said so far, and then the rest as they come, go to on_text; returns once the draft has
 * ended. 1: taken, *res is the draft's answer (owned by d, which outlives the turn); 0: not
 * usable (cancelled, or a tool call or a failure before any word), nothing went to on_text;
 * -1: it failed after words went to on_text.
 */
static int draft_take(void *arg, llm_text_fn on_text, void *text_arg, struct llm_result *res)
{
	struct brain_draft *d = arg;
	size_t fed = 0;
	int rc;

	pthread_mutex_lock(&d->lock);
	/* Not begun yet (every pool thread busy): asking anew costs no more than waiting. */
	if (d->phase == DRAFT_QUEUED)
		brain_draft_cancel(d);
	for (;;) {
		/* Before a word was passed on, anything but words only is dropped: the turn asks
		 * anew, as if there had been no draft. */
		if (!fed && (__atomic_load_n(&d->cancel, __ATOMIC_ACQUIRE) ||
			     d->phase == DRAFT_TOOLS || d->phase == DRAFT_FAILED)) {
			rc = 0;
			break;
		}
		/* Words as they came, passed on outside the lock: they go to speech synthesis. */
		while (fed < d->said.len) {
			size_t n = d->said.len - fed;
			char *piece = xmalloc(n + 1);
			memcpy(piece, d->said.data + fed, n);
			piece[n] = '\0';
			fed += n;
			pthread_mutex_unlock(&d->lock);
			on_text(text_arg, piece);
			free(piece);
			pthread_mutex_lock(&d->lock);
		}
		/* Tools asked for after words already spoken: the turn runs them, as its own. */
		if (d->phase == DRAFT_WORDS || d->phase == DRAFT_TOOLS) {
			*res = d->res;
			rc = 1;
			break;
		}
		if (d->phase == DRAFT_FAILED) {
			rc = -1;
			break;
		}
		pthread_cond_wait(&d->changed, &d->lock);
	}
	bool tools = d->phase == DRAFT_TOOLS;
	pthread_mutex_unlock(&d->lock);
	if (rc == 0)
		log_info("a preemptive answer is not used: %s",
			 tools ? "the model asked for a tool" : "it failed or was cancelled");
	return rc;
}

int brain_turn_drafted(struct db *db, struct arena *a, struct brain_session *s,
		       const char *caller_text, struct brain_draft *d, brain_clause_fn on_clause,
		       void *arg, struct brain_reply *reply)
{
	return brain_turn_with(db, a, s, caller_text, d ? draft_take : NULL, d, on_clause, arg,
			       reply);
}
