/* voice_pool.h: worker threads for the voice worker's blocking work (database, brain, speech) */
#ifndef SB_VOICE_POOL_H
#define SB_VOICE_POOL_H

struct db;
struct lws_context;
struct voice_pool;

/*
 * A piece of work. run() happens on a pool thread with that thread's own database connection;
 * done() happens afterwards on the event loop thread, where the result may touch live calls.
 * Either may be NULL. The job's owner embeds it in a larger struct and frees that in done().
 */
struct voice_job {
	void (*run)(struct voice_job *job, struct db *db);
	void (*done)(struct voice_job *job);
	struct voice_job *next;
};

/*
 * Start threads workers, each with a connection to conninfo, that hand finished jobs back to
 * context's event loop (lws_cancel_service wakes it); more start, up to max_threads, while jobs
 * wait for one. Returns the pool, or NULL when a thread cannot start. Free with voice_pool_free().
 */
struct voice_pool *voice_pool_new(struct lws_context *context, int threads, int max_threads,
				  const char *conninfo);

/* Queue job for a worker thread, starting one when every thread is busy and there is room.
 * Any thread may call it. */
void voice_pool_submit(struct voice_pool *pool, struct voice_job *job);

/* Queue job straight for the event loop (its run is skipped): how a running job streams partial
 * results, such as a clause's audio, back before it ends. Any thread may call it. */
void voice_pool_post(struct voice_pool *pool, struct voice_job *job);

/* On the event loop (LWS_CALLBACK_EVENT_WAIT_CANCELLED): run done() of every finished job, in
 * the order they finished. */
void voice_pool_drain(struct voice_pool *pool);

/* Stop the threads after the jobs they are running, then free the pool. Queued jobs that never
 * ran are dropped without done(). NULL is accepted. */
void voice_pool_free(struct voice_pool *pool);

#endif
