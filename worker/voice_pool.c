/* voice_pool.c: worker threads for blocking work, with results handed back to the event loop */
#include "voice_pool.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "infra/db.h"
#include "infra/log.h"
#include "infra/xalloc.h"

/* A first-in first-out list of jobs. */
struct job_list {
	struct voice_job *head, *tail;
};

/* Synthesis and the brain on these threads give way to the event loop, which paces every call's
 * audio: a frame late to one caller is worse than a reply a little slower to begin. */
#define POOL_NICE 10

struct voice_pool {
	struct lws_context *context;
	char *conninfo;
	pthread_mutex_t lock;
	pthread_cond_t work_ready;
	struct job_list todo;      /* waiting for a thread */
	struct job_list finished;  /* waiting for the event loop */
	bool stopping;
	int queued;                /* jobs waiting for a thread */
	int idle;                  /* threads waiting for a job */
	int nthreads, max_threads;
	pthread_t *threads;
};

static void list_push(struct job_list *l, struct voice_job *job)
{
	job->next = NULL;
	if (l->tail)
		l->tail->next = job;
	else
		l->head = job;
	l->tail = job;
}

static struct voice_job *list_take_all(struct job_list *l)
{
	struct voice_job *all = l->head;

	l->head = l->tail = NULL;
	return all;
}

static void *pool_thread(void *arg)
{
	struct voice_pool *pool = arg;

	/* On Linux a thread's nice value is its own: this lowers only the thread it runs on. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), POOL_NICE) < 0)
		log_warn("could not lower a voice worker thread's priority: %s", strerror(errno));
	struct db *db = db_open(pool->conninfo);

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		pool->idle++;
		while (!pool->todo.head && !pool->stopping)
			pthread_cond_wait(&pool->work_ready, &pool->lock);
		pool->idle--;
		if (pool->stopping)
			break;
		struct voice_job *job = pool->todo.head;
		pool->todo.head = job->next;
		if (!pool->todo.head)
			pool->todo.tail = NULL;
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);

		if (job->run)
			job->run(job, db);
		voice_pool_post(pool, job);

		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	db_close(db);
	return NULL;
}

/* One more thread, with the lock held. */
static int thread_add(struct voice_pool *pool)
{
	int err = pthread_create(&pool->threads[pool->nthreads], NULL, pool_thread, pool);

	if (err) {
		log_error("could not start a voice worker thread: %s", strerror(err));
		return -1;
	}
	pool->nthreads++;
	return 0;
}

struct voice_pool *voice_pool_new(struct lws_context *context, int threads, int max_threads,
				  const char *conninfo)
{
	struct voice_pool *pool = xcalloc(1, sizeof(*pool));

	pool->context = context;
	pool->conninfo = xstrdup(conninfo);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work_ready, NULL);
	pool->max_threads = max_threads > threads ? max_threads : threads;
	pool->threads = xcalloc((size_t)pool->max_threads, sizeof(*pool->threads));
	pthread_mutex_lock(&pool->lock);
	for (int i = 0; i < threads; i++) {
		if (thread_add(pool) < 0) {
			pthread_mutex_unlock(&pool->lock);
			voice_pool_free(pool);
			return NULL;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return pool;
}

/*
 * A job that would wait for a thread gets a new one, up to max_threads: a turn holds its thread
 * through every round trip of the brain and the synthesis of its whole reply, so a few threads
 * would queue the turns of many calls behind each other, each waiting out the others' providers.
 */
void voice_pool_submit(struct voice_pool *pool, struct voice_job *job)
{
	pthread_mutex_lock(&pool->lock);
	list_push(&pool->todo, job);
	pool->queued++;
	/* Once stopping, the thread count stays what voice_pool_free() joins. */
	if (pool->queued > pool->idle && pool->nthreads < pool->max_threads && !pool->stopping)
		thread_add(pool);
	pthread_cond_signal(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
}

void voice_pool_post(struct voice_pool *pool, struct voice_job *job)
{
	pthread_mutex_lock(&pool->lock);
	list_push(&pool->finished, job);
	pthread_mutex_unlock(&pool->lock);
	lws_cancel_service(pool->context);
}

void voice_pool_drain(struct voice_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	struct voice_job *job = list_take_all(&pool->finished);
	pthread_mutex_unlock(&pool->lock);

	while (job) {
		/* done() usually frees the job, so read the link first. */
		struct voice_job *next = job->next;
		if (job->done)
			job->done(job);
		job = next;
	}
}

void voice_pool_free(struct voice_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->work_ready);
	free(pool->threads);
	free(pool->conninfo);
	free(pool);
}
