/* browser_call.c: a test call's text messages read and its binary audio split into frames */
#include "provider/browser_call.h"

#include <string.h>

#include "infra/json.h"

enum browser_call_event browser_call_read(struct arena *a, const char *text, size_t len,
					  struct browser_call_msg *m)
{
	char error[160];
	json_t *msg = json_parse(a, text, len, error, sizeof(error));
	const char *event = json_str(msg, "event");

	*m = (struct browser_call_msg){ .event = BROWSER_CALL_INVALID };
	if (!event)
		return m->event;
	if (!strcmp(event, "start")) {
		m->event = BROWSER_CALL_START;
		m->token = json_str(msg, "token");
	} else if (!strcmp(event, "stop")) {
		m->event = BROWSER_CALL_STOP;
	} else {
		m->event = BROWSER_CALL_OTHER;
	}
	return m->event;
}

long browser_call_audio_next(const unsigned char *in, size_t len, size_t *at, int16_t *out,
			     size_t max)
{
	size_t n = 0;

	if (len % 2)
		return -1;
	/* Little-endian on the wire whatever this machine is. */
	for (; n < max && *at + 1 < len; n++, *at += 2)
		out[n] = (int16_t)(uint16_t)(in[*at] | in[*at + 1] << 8);
	return (long)n;
}
