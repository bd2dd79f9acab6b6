/* live_stream.h: switchboard-live's server-sent-event streams and each business's recent events */
#ifndef LIVE_STREAM_H
#define LIVE_STREAM_H

#include <libwebsockets.h>

/* The HTTP protocol that serves GET /live/<org id> to nginx; the table ends with a NULL entry. */
extern const struct lws_protocols live_stream_protocols[];

/*
 * Set up the streams of context: keep buffer events per business for at most keep_s seconds,
 * and end a stream after stream_max_s (nginx's check of the session runs again when the
 * browser reconnects). Starts the housekeeping timer. Call once, before serving.
 */
void live_stream_setup(struct lws_context *context, int buffer, long keep_s, long stream_max_s);

/*
 * Hand one notification payload, "<org id> <json>", to the event loop; safe from any thread.
 * Returns 0, or -1 when it was dropped (no business, a line break in it, or the loop is more
 * than its queue behind), logged.
 */
int live_stream_post(const char *payload);

/* Stop the housekeeping timer; before lws_context_destroy(). */
void live_stream_stop(void);

/* Free every business's events and the queue; after lws_context_destroy(). */
void live_stream_free(void);

#endif
