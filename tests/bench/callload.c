/* callload.c: many simultaneous Twilio-like media streams against switchboard-voice, timed */
/*
 * callload --url ws://HOST:PORT/media/stream --calls FILE --steps 100,200,500 [options]
 *
 * FILE has one "call_id org_id call_sid" line per call (rows of the calls table, call_sid their
 * provider_call_id, which the worker holds a stream's callSid to); each stream's start message
 * carries a media token made with MEDIA_TOKEN_SECRET from the environment. Every call
 * plays a caller: 20 ms mu-law frames on an absolute clock, speak_ms of speech (a loud tone)
 * then quiet_ms of silence, repeating, each call at its own phase. It plays Twilio's side too:
 * the worker's audio goes into a playback buffer that plays at 8,000 bytes a second whatever
 * the size of the messages it came in, marks are echoed when the audio before them has played,
 * and a clear empties the buffer.
 *
 * The same process is the recognizer the worker talks to (--stt-port): a Deepgram live
 * endpoint that takes the audio and says --say (nothing heard when --say is empty) for each
 * utterance, so a real recognizer's work stays out of the figures. As Deepgram's endpointing
 * does, it ends an utterance itself with a speech_final once the connection URL's
 * `endpointing` ms of silence (mu-law zeros) have come after voiced audio; --stt-endpointing MS
 * overrides the URL (10 is an instant recognizer; 0 is off). Each Finalize is answered with
 * from_finalize; whichever of the two comes first for an utterance carries its words.
 *
 * Calls open at --ramp per second; at each step (a number of calls) the figures of a --hold
 * second window are printed: the worker's CPU (its event-loop thread, which handles the media,
 * and the whole process), its resident memory per call, the caller's frames that left late or
 * met a full socket, and the gaps in what the caller hears: the playback buffer running dry in
 * the middle of a clause (a clause's start waiting for its synthesis is counted apart); with
 * --say, each turn's reply time from the caller's last spoken frame and from the recognizer's
 * words that end it, and the turns the caller spoke again before a reply began; with --cpu,
 * the CPU and memory of other servers' processes.
 *
 * The program's own lateness comes first: its frames sent later than their schedule, the
 * recognizer's results later than the Finalize or the silence that made them due, and its own
 * CPU. A step where
 * it fell behind is marked (kept up: NO), its figures not to be believed. It polls with epoll
 * (libev under lws) and writes the caller's frames itself (callload_wire.c), so one core holds
 * many calls.
 */
#include <ev.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "domain/media_token.h"
#include "callload_proc.h"
#include "callload_stt.h"
#include "callload_wire.h"

#define FRAME_US 20000
#define BYTE_US 125                     /* one mu-law byte plays for 125 microseconds */
#define SEGMENT_GAP_US 400000           /* silence this long before audio: a new reply began */
#define UNDERRUN_SLACK_US 2000          /* this program's own loop jitter: not an audible gap */
#define SERVICE_TICK_US 1000            /* the shortest time between two polls of the loop */
#define MARKS_MAX 64
#define WHEEL_SLOTS 20                  /* 1 ms slots: a frame's 20 ms */
#define LEAD_BUCKETS 10000              /* how far ahead of playback audio came, 1 ms buckets */
#define REPLY_BUCKETS 10000             /* reply latency histogram, 1 ms buckets */
#define LAG_BUCKETS 1000                /* how late a frame left, 1 ms */
#define MSG_MAX 16384

static const char *say = "";
static long speak_ms = 1200, quiet_ms = 3800;
static long stt_endpointing = -1;      /* --stt-endpointing: -1 takes the URL's, 0 is off */

/* The figures of one measuring window; reset at its start. */
struct stats {
	long frames_out, out_late, out_choked, out_lag_max_us;
	long messages_in, audio_in_bytes, in_underrun, underrun_max_us, boundary_gaps,
	     boundary_gap_max_us;
	long lead_hist[LEAD_BUCKETS + 1];
	long lag_hist[LAG_BUCKETS + 1];
	long reply_hist[REPLY_BUCKETS + 1];
	long turn_hist[REPLY_BUCKETS + 1];
	long turns, replies, turns_linked, unanswered, clears, marks;
		long loop_gap_max_us;
};

static struct stats st;
static long connected, failed, closed_early, started;

struct pending_mark {
	char name[40];
	lws_usec_t at;
};

struct caller {
	struct lws *wsi;
	char call_id[64], org_id[64], stream_sid[40], call_sid[40];
	char *token;
	int step;                   /* 0 send connected, 1 send start, 2 streaming */
	bool open, gone;
	lws_usec_t t0;
	long frames_sent;
	long phase_ms;
	char quiet_b64[232];        /* silence that names the call to the recognizer (see below) */
	size_t quiet_len;
	lws_usec_t final_at;        /* when the recognizer last sent this call's words */
	/* The worker's audio, as Twilio would play it: playhead is when the buffer runs out. */
	lws_usec_t playhead, speech_start_at, speech_end_at, cleared_at;
	bool after_mark, awaiting_reply;
	struct pending_mark marks[MARKS_MAX];
	int nmarks;
	lws_sorted_usec_list_t mark_timer;  /* wakes the call when its first mark is due */
	lws_usec_t mark_timer_at;   /* the time it is set for */
	int wheel_next;             /* the next call in its wheel slot, or -1 */
	struct wire_out out;        /* frames the socket has not taken yet */
	char rx[MSG_MAX];
	size_t rx_len;
	bool rx_skip;
};

static struct caller *callers;
static int ncalls;
/* The streaming calls by the millisecond of the 20 ms cycle their frames fall due in (the head
 * call's index per slot, -1 for none), so each pass visits only the calls with a frame due. */
static int wheel[WHEEL_SLOTS];
static lws_usec_t wheel_ms;         /* the last millisecond whose slot was visited */
static struct lws_context *context;
static struct ev_loop *ev;          /* epoll: its cost is the sockets ready, not all of them */
static struct lws_vhost *client_vhost;
static const char *url_host, *url_path;
static int url_port;
static char loud_b64[400];
static size_t loud_len;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void bump(long *hist, long max, long value)
{
	hist[value < 0 ? 0 : value > max ? max : value]++;
}

static long hist_pct(const long *hist, long max, double pct)
{
	long total = 0, seen = 0;

	for (long i = 0; i <= max; i++)
		total += hist[i];
	if (!total)
		return -1;
	for (long i = 0; i <= max; i++) {
		seen += hist[i];
		if (seen >= pct * total)
			return i;
	}
	return max;
}

static int send_text(struct lws *wsi, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int send_text(struct lws *wsi, const char *fmt, ...)
{
	unsigned char out[LWS_PRE + 2048];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf((char *)out + LWS_PRE, sizeof(out) - LWS_PRE, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)(sizeof(out) - LWS_PRE))
		return -1;
	return lws_write(wsi, out + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n ? -1 : 0;
}

/* A streaming caller's message, straight to its socket (see wire_text); what waits is sent on
 * the writable callback. */
static int raw_text(struct caller *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int raw_text(struct caller *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = wire_vtext(lws_get_socket_fd(c->wsi), &c->out, fmt, ap);
	va_end(ap);
	if (rc > 0)
		lws_callback_on_writable(c->wsi);
	return rc < 0 ? -1 : 0;
}

static int raw_flush(struct caller *c)
{
	int rc = wire_flush(lws_get_socket_fd(c->wsi), &c->out);

	if (rc > 0)
		lws_callback_on_writable(c->wsi);
	return rc < 0 ? -1 : 0;
}

static lws_usec_t frame_due(struct caller *c, long k)
{
	return c->t0 + (lws_usec_t)k * FRAME_US;
}

static bool speaking_at(struct caller *c, long k)
{
	long ms = (k * 20 + c->phase_ms) % (speak_ms + quiet_ms);

	return ms < speak_ms;
}

static int caller_send_due(struct caller *c, lws_usec_t now);

static int caller_writeable(struct caller *c)
{
	lws_usec_t now = lws_now_usecs();

	if (c->step == 0) {
		c->step = 1;
		lws_callback_on_writable(c->wsi);
		return send_text(c->wsi, "{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
	}
	if (c->step == 1) {
		c->step = 2;
		c->t0 = now;
		started++;
		/* The slot of the millisecond after each frame falls due: by its visit, it has. */
		int slot = (int)((now + 999) / 1000 % WHEEL_SLOTS);
		c->wheel_next = wheel[slot];
		wheel[slot] = (int)(c - callers);
		return send_text(c->wsi,
			"{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\"%s\",\"start\":{"
			"\"accountSid\":\"AC00000000000000000000000000000001\",\"streamSid\":\"%s\","
			"\"callSid\":\"%s\",\"tracks\":[\"inbound\"],\"customParameters\":{\"token\":\"%s\","
			"\"call_id\":\"%s\"},\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
			"\"sampleRate\":8000,\"channels\":1}}}",
			c->stream_sid, c->stream_sid, c->call_sid, c->token, c->call_id);
	}
	if (raw_flush(c) < 0)
		return -1;
	return caller_send_due(c, now);
}

static void mark_due(lws_sorted_usec_list_t *sul)
{
	struct caller *c = lws_container_of(sul, struct caller, mark_timer);

	if (c->open && c->step == 2 && caller_send_due(c, lws_now_usecs()) < 0)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

/* Wake the call when its first mark's audio has played (the pass over due frames visits a
 * call only once a frame). */
static void mark_wake(struct caller *c, lws_usec_t now)
{
	/* Set again only when the first mark changed: lws keeps its timers in a sorted list. */
	if (!c->nmarks || c->mark_timer_at == c->marks[0].at)
		return;
	c->mark_timer_at = c->marks[0].at;
	lws_sul_schedule(context, 0, &c->mark_timer, mark_due,
			 c->marks[0].at > now ? c->marks[0].at - now : 0);
}

/*
 * What is due on a streaming call at now: a mark's echo, then the frames whose time has come
 * (one, or more after a hiccup of this program's, each counted late). Written at once rather
 * than on a writable callback: a socket with room takes a frame whole; one that could not take
 * the last whole is choked, counted, the frame waiting for the callback.
 */
static int caller_send_due(struct caller *c, lws_usec_t now)
{
	/* Twilio echoes a mark once the audio sent before it has played. */
	while (c->nmarks && c->marks[0].at <= now) {
		if (c->out.len)
			goto choked;
		int rc = raw_text(c, "{\"event\":\"mark\",\"streamSid\":\"%s\",\"mark\":{\"name\":\"%s\"}}",
				   c->stream_sid, c->marks[0].name);
		memmove(c->marks, c->marks + 1, sizeof(c->marks[0]) * (size_t)--c->nmarks);
		if (rc)
			return rc;
	}
	mark_wake(c, now);
	while (frame_due(c, c->frames_sent) <= now) {
		if (c->out.len)
			goto choked;
		long k = c->frames_sent++;
		lws_usec_t lag = now - frame_due(c, k);
		st.frames_out++;
		bump(st.lag_hist, LAG_BUCKETS, (long)(lag / 1000));
		if (lag > FRAME_US)
			st.out_late++;
		if (lag > st.out_lag_max_us)
			st.out_lag_max_us = lag;
		bool loud = speaking_at(c, k);
		if (!loud && k > 0 && speaking_at(c, k - 1)) {
			c->speech_end_at = now;
			c->awaiting_reply = *say != '\0';
			st.turns += c->awaiting_reply;
		} else if (loud && (k == 0 || !speaking_at(c, k - 1))) {
			c->speech_start_at = now;
			/* Speaking again, the last turn never answered. */
			st.unanswered += c->awaiting_reply;
			c->awaiting_reply = false;
		}
		int rc = wire_media(lws_get_socket_fd(c->wsi), &c->out, k,
				    loud ? loud_b64 : c->quiet_b64, loud ? loud_len : c->quiet_len,
				    c->stream_sid, strlen(c->stream_sid));
		if (rc > 0)
			lws_callback_on_writable(c->wsi);
		if (rc < 0)
			return -1;
	}
	return 0;
choked:
	st.out_choked++;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* Bytes of audio in a media message: its base64 payload's length, less the padding. */
static long payload_bytes(const char *m)
{
	const char *p = strstr(m, "\"payload\":\"");

	if (!p)
		return 0;
	p += 11;
	size_t n = strcspn(p, "\"");
	long bytes = (long)(n / 4 * 3);
	if (n >= 2 && p[n - 1] == '=')
		bytes -= p[n - 2] == '=' ? 2 : 1;
	return bytes;
}

/*
 * A media message of the worker's arrived, carrying bytes of audio: into the playback buffer.
 * Arriving after the buffer ran dry is a gap the caller hears, unless it is a new reply (the
 * line was quiet long enough for the caller's turn) or a new clause still being made.
 */
static void caller_media(struct caller *c, lws_usec_t now, long bytes)
{
	st.messages_in++;
	st.audio_in_bytes += bytes;
	/* A reply begins after a quiet line, or after a clear that cut the last one for this
	 * speech (the worker may clear it only when the words come, just before the reply). */
	bool cleared = c->cleared_at && c->cleared_at >= c->speech_start_at;
	if (now > c->playhead + SEGMENT_GAP_US || (c->awaiting_reply && cleared)) {
		if (c->awaiting_reply && c->speech_end_at) {
			st.replies++;
			bump(st.reply_hist, REPLY_BUCKETS, (long)((now - c->speech_end_at) / 1000));
			if (c->final_at > c->speech_end_at) {
				st.turns_linked++;
				bump(st.turn_hist, REPLY_BUCKETS, (long)((now - c->final_at) / 1000));
			}
		}
		c->awaiting_reply = false;
	} else if (now > c->playhead + UNDERRUN_SLACK_US) {
		if (c->after_mark) {
			/* The next clause: its synthesis, not the worker's media handling, set this. */
			st.boundary_gaps++;
			if (now - c->playhead > st.boundary_gap_max_us)
				st.boundary_gap_max_us = now - c->playhead;
		} else {
			st.in_underrun++;
			if (now - c->playhead > st.underrun_max_us)
				st.underrun_max_us = now - c->playhead;
		}
	} else {
		bump(st.lead_hist, LEAD_BUCKETS, (long)((c->playhead - now) / 1000));
	}
	c->after_mark = false;
	c->playhead = (c->playhead > now ? c->playhead : now) + bytes * BYTE_US;
}

static void caller_message(struct caller *c, const char *m)
{
	lws_usec_t now = lws_now_usecs();

	if (!strncmp(m, "{\"event\":\"media\"", 16)) {
		caller_media(c, now, payload_bytes(m));
	} else if (!strncmp(m, "{\"event\":\"mark\"", 15)) {
		const char *name = strstr(m, "\"name\":\"");
		st.marks++;
		c->after_mark = true;
		if (!name || c->nmarks == MARKS_MAX)
			return;
		name += 8;
		size_t n = strcspn(name, "\"");
		struct pending_mark *pm = &c->marks[c->nmarks++];
		snprintf(pm->name, sizeof(pm->name), "%.*s", (int)n, name);
		pm->at = c->playhead > now ? c->playhead : now;
		if (c->nmarks == 1)
			mark_wake(c, now);
	} else if (!strncmp(m, "{\"event\":\"clear\"", 16)) {
		/* The queued audio is dropped and every pending mark comes back at once. */
		st.clears++;
		c->playhead = now;
		c->cleared_at = now;
		for (int i = 0; i < c->nmarks; i++)
			c->marks[i].at = now;
		mark_wake(c, now);
	}
}

static int caller_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len)
{
	struct caller *c = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->open = true;
		connected++;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "callload: call %s could not connect: %s\n", c ? c->call_id : "?",
			in ? (const char *)in : "no reason");
		failed++;
		if (c)
			c->gone = true;
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return c && c->open ? caller_writeable(c) : 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c)
			return 0;
		if (c->rx_skip || c->rx_len + len >= MSG_MAX) {
			c->rx_skip = !lws_is_final_fragment(wsi);
			c->rx_len = 0;
			return 0;
		}
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			c->rx[c->rx_len] = '\0';
			caller_message(c, c->rx);
			c->rx_len = 0;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c && c->open && !interrupted) {
			fprintf(stderr, "callload: the worker closed call %s\n", c->call_id);
			closed_early++;
		}
		if (c) {
			c->open = false;
			c->gone = true;
		}
		return 0;
	default:
		return 0;
	}
}

/* The recognizer sent call's words: the reply's time from them starts here. */
static void words_heard(int call, lws_usec_t at)
{
	callers[call].final_at = at;
}

/*
 * Run the loop for seconds: poll the sockets, then write what is due on every call. Polling at
 * each of the callers' 20 ms ticks would make this program busier than the worker it measures
 * (it shares the machine's two cores with it): it polls once a SERVICE_TICK_US instead, well
 * inside UNDERRUN_SLACK_US, and writes every frame due then in one pass.
 */
static void service_for(double seconds)
{
	lws_usec_t end = lws_now_usecs() + (lws_usec_t)(seconds * 1e6), last = 0;

	while (!interrupted && lws_now_usecs() < end) {
		lws_usec_t next = lws_now_usecs() + SERVICE_TICK_US;
		if (last && next - SERVICE_TICK_US - last > st.loop_gap_max_us)
			st.loop_gap_max_us = next - SERVICE_TICK_US - last;
		last = next - SERVICE_TICK_US;
		ev_run(ev, EVRUN_NOWAIT);
		lws_usec_t now = lws_now_usecs(), ms = now / 1000;
		/* Every slot passed since the last visit, each once at most. */
		if (!wheel_ms || ms - wheel_ms > WHEEL_SLOTS)
			wheel_ms = ms - WHEEL_SLOTS;
		for (; wheel_ms < ms; wheel_ms++) {
			for (int i = wheel[(wheel_ms + 1) % WHEEL_SLOTS]; i >= 0;) {
				struct caller *c = &callers[i];
				i = c->wheel_next;
				if (c->open && c->step == 2 && caller_send_due(c, now) < 0)
					lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND,
							LWS_TO_KILL_ASYNC);
			}
		}
		now = lws_now_usecs();
		if (now < next)
			usleep((useconds_t)(next - now));
	}
}

static void connect_call(struct caller *c)
{
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof(info));
	info.context = context;
	info.vhost = client_vhost;
	info.address = url_host;
	info.port = url_port;
	info.path = url_path;
	info.host = url_host;
	info.origin = url_host;
	info.local_protocol_name = "caller";
	info.opaque_user_data = c;
	info.pwsi = &c->wsi;
	if (!lws_client_connect_via_info(&info)) {
		failed++;
		c->gone = true;
	}
}

static int live_calls(void)
{
	int n = 0;

	for (int i = 0; i < ncalls; i++)
		n += callers[i].open;
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: callload --url ws://host:port/path --calls FILE --steps N,N,... "
		"--stt-port P --worker-pid PID [--ramp PER_S] [--hold S] [--settle S] "
		"[--speak-ms MS] [--quiet-ms MS] [--say TEXT] [--stt-endpointing MS|false] "
		"[--cpu NAME=PID,PID...]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *calls_file = NULL, *steps_arg = NULL;
	int stt_port = 0, worker_pid = 0;
	double ramp = 25, hold = 15, settle = 3;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(argv[i], "--url"))
			url = v;
		else if (!strcmp(argv[i], "--calls"))
			calls_file = v;
		else if (!strcmp(argv[i], "--steps"))
			steps_arg = v;
		else if (!strcmp(argv[i], "--stt-port"))
			stt_port = atoi(v);
		else if (!strcmp(argv[i], "--worker-pid"))
			worker_pid = atoi(v);
		else if (!strcmp(argv[i], "--ramp"))
			ramp = atof(v);
		else if (!strcmp(argv[i], "--hold"))
			hold = atof(v);
		else if (!strcmp(argv[i], "--settle"))
			settle = atof(v);
		else if (!strcmp(argv[i], "--speak-ms"))
			speak_ms = atol(v);
		else if (!strcmp(argv[i], "--quiet-ms"))
			quiet_ms = atol(v);
		else if (!strcmp(argv[i], "--say"))
			say = v;
		else if (!strcmp(argv[i], "--stt-endpointing"))
			stt_endpointing = !strcmp(v, "false") ? 0 : atol(v);
		else if (!strcmp(argv[i], "--cpu"))
			group_add(v);
		else
			usage();
		i++;
	}
	if (!url || !calls_file || !steps_arg || !stt_port || !worker_pid || ramp <= 0)
		usage();
	if (conf_load(0, NULL) < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);

	struct arena *a = arena_new();
	wire_loud(a, loud_b64, sizeof(loud_b64));
	loud_len = strlen(loud_b64);
	char *parsed = arena_strdup(a, url);
	const char *scheme, *path;
	if (lws_parse_uri(parsed, &scheme, &url_host, &url_port, &path) || strcmp(scheme, "ws")) {
		fprintf(stderr, "callload: --url must be ws://host:port/path\n");
		return 2;
	}
	url_path = arena_printf(a, "/%s", path);

	int steps[32], nsteps = 0;
	for (char *s = arena_strdup(a, steps_arg), *tok; (tok = strsep(&s, ",")) && nsteps < 32;)
		if (atoi(tok) > 0)
			steps[nsteps++] = atoi(tok);
	if (!nsteps)
		usage();
	int most = steps[nsteps - 1];

	FILE *f = fopen(calls_file, "r");
	if (!f) {
		perror(calls_file);
		return 1;
	}
	callers = calloc((size_t)most, sizeof(*callers));
	for (int i = 0; i < WHEEL_SLOTS; i++)
		wheel[i] = -1;
	char line[256];
	time_t expires = time(NULL) + 3600;
	while (ncalls < most && fgets(line, sizeof(line), f)) {
		struct caller *c = &callers[ncalls];
		if (sscanf(line, "%63s %63s %39s", c->call_id, c->org_id, c->call_sid) != 3)
			continue;
		c->token = media_token_make(a, MEDIA_TOKEN_STREAM, c->call_id, c->org_id, expires);
		if (!c->token) {
			fprintf(stderr, "callload: no media token (is MEDIA_TOKEN_SECRET set?)\n");
			return 1;
		}
		snprintf(c->stream_sid, sizeof(c->stream_sid), "MZ%032x", ncalls + 1);
		wire_quiet(a, c->quiet_b64, sizeof(c->quiet_b64), ncalls);
		c->quiet_len = strlen(c->quiet_b64);
		/* Spread the callers' speech over the cycle, as independent callers would. */
		c->phase_ms = (long)ncalls * 20 * 37 % (speak_ms + quiet_ms);
		ncalls++;
	}
	fclose(f);
	if (ncalls < most) {
		fprintf(stderr, "callload: %s has %d calls, the last step needs %d\n", calls_file,
			ncalls, most);
		return 1;
	}

	static const struct lws_protocols client_protocols[] = {
		/* A media message of the worker's (up to 8 KiB) in one read. */
		{ "caller", caller_cb, 0, 16384, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 }
	};
	static struct lws_protocols stt_protocols[] = {
		{ "deepgram", stt_callback, 0, 4096, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 }
	};
	stt_protocols[0].per_session_data_size = stt_session_size();
	stt_setup(say, stt_endpointing, ncalls, words_heard);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	ev = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
	if (!ev) {
		fprintf(stderr, "callload: no epoll event loop\n");
		return 1;
	}
	void *loops[] = { ev };
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = loops;
	info.pt_serv_buf_size = 16384;      /* each read: up to a whole media message */
	/* Two descriptors a call: its stream, its recognizer connection. Within the process's
	 * limit lws finds a socket's connection by its number; a lower fd_limit_per_thread would
	 * make it search every slot on each event, a tenth of this program's time at 500 calls. */
	if (fd_room(most * 2 + 64) < most * 2 + 64)
		fprintf(stderr, "callload: too few descriptors for %d calls\n", most);
	context = lws_create_context(&info);
	if (!context)
		return 1;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = client_protocols;
	info.vhost_name = "callers";
	client_vhost = lws_create_vhost(context, &info);
	memset(&info, 0, sizeof(info));
	info.port = stt_port;
	info.iface = "127.0.0.1";
	info.protocols = stt_protocols;
	info.vhost_name = "recognizer";
	if (!client_vhost || !lws_create_vhost(context, &info)) {
		fprintf(stderr, "callload: could not listen on 127.0.0.1:%d\n", stt_port);
		return 1;
	}

	char task_stat[64], proc_stat[64];
	snprintf(task_stat, sizeof(task_stat), "/proc/%d/task/%d/stat", worker_pid, worker_pid);
	snprintf(proc_stat, sizeof(proc_stat), "/proc/%d/stat", worker_pid);
	service_for(0.5);
	long idle_rss = rss_kib(worker_pid);
	printf("callload: worker %d idle RSS %ld KiB; %d calls at most, opened %.0f/s, speech %ld ms "
	       "then %ld ms quiet, recognizer says \"%s\", its endpointing %s\n", worker_pid,
	       idle_rss, most, ramp, speak_ms, quiet_ms, say,
	       stt_endpointing < 0 ? "as each connection's URL asks" : stt_endpointing == 0 ? "off"
	       : arena_printf(a, "%ld ms", stt_endpointing));
	fflush(stdout);

	int opened = 0, held = 0;
	for (int s = 0; s < nsteps && !interrupted; s++) {
		lws_usec_t ramp_start = lws_now_usecs();
		int from = opened;
		while (opened < steps[s] && !interrupted) {
			double due = (double)(opened - from) / ramp;
			if ((double)(lws_now_usecs() - ramp_start) / 1e6 >= due)
				connect_call(&callers[opened++]);
			else
				service_for(SERVICE_TICK_US / 1e6);
		}
		service_for(settle);
		memset(&st, 0, sizeof(st));
		memset(&stt_st, 0, sizeof(stt_st));
		double loop0 = cpu_seconds(task_stat), proc0 = cpu_seconds(proc_stat);
		double self0 = self_cpu_seconds();
		for (int g = 0; g < ngroups; g++)
			group_start(&groups[g]);
		lws_usec_t t0 = lws_now_usecs();
		time_t wall0 = time(NULL);
		service_for(hold);
		double wall = (double)(lws_now_usecs() - t0) / 1e6;
		double loop = (cpu_seconds(task_stat) - loop0) / wall * 100;
		double proc = (cpu_seconds(proc_stat) - proc0) / wall * 100;
		double self = (self_cpu_seconds() - self0) / wall * 100;
		long rss = rss_kib(worker_pid);
		for (int g = 0; g < ngroups; g++)
			group_end(&groups[g]);
		int live = live_calls();
		double load[3] = { 0 };
		getloadavg(load, 3);
		/* Frames this program sent late, and words its recognizer kept waiting, are its own
		 * lag, not the worker's: a step where either passed 1 % did not load the worker as
		 * it says, and its figures tell nothing either way. */
		bool kept_up = st.out_late * 100 <= st.frames_out &&
			stt_st.late * 100 <= stt_st.sent;
		bool real_time = live == steps[s] && st.out_choked == 0 && st.in_underrun == 0;
		if (real_time && kept_up)
			held = steps[s];
		printf("step %d calls: %d live (%ld failed, %ld closed by the worker); load %.2f %.2f %.2f\n",
		       steps[s], live, failed, closed_early, load[0], load[1], load[2]);
		printf("  callload itself: %.1f%% of a core; frames sent late vs their schedule: %ld of "
		       "%ld >20 ms, p99 %ld ms, max %.1f ms; recognizer results late: %ld of %ld "
		       ">20 ms, p99 %ld ms, max %.1f ms; longest loop pass %.1f ms; kept up: %s\n",
		       self, st.out_late, st.frames_out, hist_pct(st.lag_hist, LAG_BUCKETS, 0.99),
		       st.out_lag_max_us / 1000.0, stt_st.late, stt_st.sent,
		       hist_pct(stt_st.lag_hist, STT_LAG_BUCKETS, 0.99), stt_st.lag_max_us / 1000.0,
		       st.loop_gap_max_us / 1000.0, kept_up ? "yes" : "NO");
		printf("  worker CPU over %.0f s: event loop (media) %.1f%% of a core, whole process %.1f%%\n",
		       wall, loop, proc);
		printf("  worker RSS %ld KiB: %.1f KiB per call over idle\n", rss,
		       live ? (double)(rss - idle_rss) / live : 0.0);
		char procs[512] = "";
		for (int g = 0, n = 0; g < ngroups; g++)
			n += snprintf(procs + n, sizeof(procs) - (size_t)n, " %s %.1f s CPU (%.0f%% of a "
				      "core) PSS %ld KiB;", groups[g].name, groups[g].used,
				      groups[g].used / wall * 100, group_rss(&groups[g]));
		if (ngroups)
			printf("  processes over the window:%s\n", procs);
		printf("  caller -> worker: %ld frames, %ld ticks met a choked socket; recognizer got "
		       "%.1f s of audio, %ld Finalize, ended %ld utterances itself (speech_final)\n",
		       st.frames_out, st.out_choked, stt_st.audio_bytes / 8000.0, stt_st.finalize,
		       stt_st.endpoints);
		printf("  worker -> caller: %ld media messages, %.1f s of audio, %ld playback gaps >2 ms "
		       "mid-clause (deepest %.1f ms); audio came ahead of playback by p50 %ld, p1 %ld ms; "
		       "%ld clause starts waited for synthesis (longest %.1f ms), %ld marks, %ld clears\n",
		       st.messages_in, st.audio_in_bytes / 8000.0, st.in_underrun,
		       st.underrun_max_us / 1000.0, hist_pct(st.lead_hist, LEAD_BUCKETS, 0.5),
		       hist_pct(st.lead_hist, LEAD_BUCKETS, 0.01), st.boundary_gaps,
		       st.boundary_gap_max_us / 1000.0, st.marks, st.clears);
		if (*say)
			printf("  turns: %ld ended, %ld replies began, %ld unanswered (the caller spoke "
			       "again first); first reply frame after the caller's last spoken frame p50 %ld "
			       "p99 %ld ms; after the recognizer's words that end the turn (%ld tied to "
			       "their call) p50 %ld p99 %ld ms\n", st.turns, st.replies, st.unanswered,
			       hist_pct(st.reply_hist, REPLY_BUCKETS, 0.5),
			       hist_pct(st.reply_hist, REPLY_BUCKETS, 0.99), st.turns_linked,
			       hist_pct(st.turn_hist, REPLY_BUCKETS, 0.5),
			       hist_pct(st.turn_hist, REPLY_BUCKETS, 0.99));
		printf("  real time: %s%s\n", real_time ? "yes" : "no",
		       kept_up ? "" : " (not known: this program fell behind the calls' clock)");
		/* One line a step for tests/bench/run's table. */
		printf("  row calls=%d live=%d kept_up=%d late_frames=%ld stt_late=%ld self_cpu=%.0f "
		       "turns=%ld replies=%ld unanswered=%ld p50=%ld p99=%ld turn_p50=%ld turn_p99=%ld "
		       "underruns=%ld closed=%ld failed=%ld worker_cpu=%.1f worker_rss=%ld",
		       steps[s], live, kept_up, st.out_late, stt_st.late, self, st.turns, st.replies,
		       st.unanswered, hist_pct(st.reply_hist, REPLY_BUCKETS, 0.5),
		       hist_pct(st.reply_hist, REPLY_BUCKETS, 0.99),
		       hist_pct(st.turn_hist, REPLY_BUCKETS, 0.5),
		       hist_pct(st.turn_hist, REPLY_BUCKETS, 0.99), st.in_underrun, closed_early, failed,
		       proc * wall / 100, rss);
		printf(" from=%ld to=%ld", (long)wall0, (long)time(NULL));
		for (int g = 0; g < ngroups; g++)
			printf(" %s_cpu=%.1f %s_pss=%ld", groups[g].name, groups[g].used,
			       groups[g].name, group_rss(&groups[g]));
		printf("\n");
		fflush(stdout);
	}
	printf("largest number of calls held in real time: %d\n", held);
	interrupted = 1;
	for (int i = 0; i < ncalls; i++)
		if (callers[i].open)
			lws_set_timeout(callers[i].wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
	lws_context_destroy(context);
	ev_loop_destroy(ev);
	free(callers);
	arena_free(a);
	return 0;
}
