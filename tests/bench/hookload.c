/* hookload.c: an open-loop load of Twilio webhooks, signed as Twilio signs them, timed */
/*
 * hookload --port PORT --kind voice|turn|status|get --rate N --seconds S [options]
 *
 * Requests leave on a schedule (request i at start + i / rate), whatever the answers do, and
 * each one's latency counts from its scheduled time, so a request that waited for a free
 * connection counts its wait: queueing shows in the figures, as it does for Twilio. A request
 * not answered within --timeout seconds (Twilio's 15) counts as failed, and so does any answer
 * but 2xx. Connections are HTTP/1.1 keep-alive to nginx on 127.0.0.1, opened as the load needs
 * them, up to --conns.
 *
 * Each request is a Twilio form POST signed per PROTOCOLS.md §2 (HMAC-SHA1 over the public URL
 * and the sorted parameters, keyed with --token): voice is a new call to --to (a CallSid never
 * seen), turn the first gather turn of a call ("What are your hours?"), status the completed
 * callback of a call. The CallSid of request i is "CA" + --sid-prefix (8 hex digits) + i in 24
 * hex digits, so the calls a turn or a status is about can be made beforehand. get sends GET
 * --path with a signature header (the generator's own cost, against a trivial address).
 *
 * Prints one line: offered and answered counts, p50/p90/p99/max in ms, errors, answers past the
 * timeout, and the generator's own CPU per request. --selftest checks the signature against the
 * vector of PROTOCOLS.md §2.4.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define IN_MAX 65536

struct conn {
	int fd;
	bool connected, busy;
	long request;		/* index of the request in flight */
	char out[4096];
	size_t out_len, out_sent;
	char in[IN_MAX];
	size_t in_len;
};

static struct {
	int port, rate, conns, seconds, timeout;
	const char *kind, *path, *token, *to, *prefix, *base;
} opt = { .rate = 100, .conns = 512, .seconds = 10, .timeout = 15, .kind = "voice",
	  .token = "", .to = "+15555550100", .prefix = "0badcafe" };

static struct conn *conns[MAX_CONNS];
static int nconns;
static int epfd;
static double *latency;		/* ms, per answered request */
static long answered, errors, late, status_other, sent;
static long *idle_stack;
static int nidle;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Base64 of an HMAC-SHA1 of text keyed with key: the X-Twilio-Signature value. */
static void twilio_sign(const char *key, const char *text, size_t len, char out[64])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)text, len, mac, &mac_len);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
}

/* value %-encoded as a form value into out; returns its length. */
static size_t form_escape(char *out, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_') {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return n;
}

/* Build request i into c->out. */
static void build_request(struct conn *c, long i)
{
	char sid[40], signed_text[2048], body[2048], signature[64], esc[256];
	const char *path = opt.path;
	/* Names in byte order, as the signature wants them (PROTOCOLS.md §2.1). */
	const char *names[12], *values[12];
	int n = 0;

	snprintf(sid, sizeof(sid), "CA%.8s%024lx", opt.prefix, i);
	if (!strcmp(opt.kind, "get")) {
		size_t len = (size_t)snprintf(signed_text, sizeof(signed_text), "%s%s", opt.base,
					      path);
		twilio_sign(opt.token, signed_text, len, signature);
		c->out_len = (size_t)snprintf(c->out, sizeof(c->out),
			"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Twilio-Signature: %s\r\n\r\n",
			path, opt.port, signature);
		c->out_sent = 0;
		return;
	}
	names[n] = "AccountSid"; values[n++] = "AC00000000000000000000000000000001";
	names[n] = "ApiVersion"; values[n++] = "2010-04-01";
	if (!strcmp(opt.kind, "status")) {
		names[n] = "CallDuration"; values[n++] = "42";
	}
	names[n] = "CallSid"; values[n++] = sid;
	names[n] = "CallStatus";
	values[n++] = !strcmp(opt.kind, "status") ? "completed" :
		      !strcmp(opt.kind, "turn") ? "in-progress" : "ringing";
	if (!strcmp(opt.kind, "turn")) {
		names[n] = "Confidence"; values[n++] = "0.92";
	}
	names[n] = "Direction"; values[n++] = "inbound";
	names[n] = "From"; values[n++] = "+15551230001";
	if (!strcmp(opt.kind, "turn")) {
		names[n] = "SpeechResult"; values[n++] = "What are your hours?";
	}
	names[n] = "To"; values[n++] = opt.to;

	size_t slen = (size_t)snprintf(signed_text, sizeof(signed_text), "%s%s", opt.base, path);
	size_t blen = 0;
	for (int k = 0; k < n; k++) {
		slen += (size_t)snprintf(signed_text + slen, sizeof(signed_text) - slen, "%s%s",
					 names[k], values[k]);
		form_escape(esc, values[k]);
		blen += (size_t)snprintf(body + blen, sizeof(body) - blen, "%s%s=%s", k ? "&" : "",
					 names[k], esc);
	}
	twilio_sign(opt.token, signed_text, slen, signature);
	c->out_len = (size_t)snprintf(c->out, sizeof(c->out),
		"POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: TwilioProxy/1.1\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: %s\r\n"
		"Content-Length: %zu\r\n\r\n%s", path, opt.port, signature, blen, body);
	c->out_sent = 0;
}

static struct conn *conn_open(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	struct conn *c = calloc(1, sizeof(*c));
	c->fd = fd;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	conns[nconns++] = c;
	return c;
}

static void conn_write(struct conn *c)
{
	while (c->busy && c->out_sent < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
		if (w < 0)
			return;	/* EAGAIN, or an error the read side will see */
		c->out_sent += (size_t)w;
	}
}

/*
 * The length of a whole HTTP answer at the start of buf (n bytes), with its status; 0 while it
 * is incomplete, -1 when it cannot be read. Content-Length and chunked bodies are understood.
 */
static long answer_length(const char *buf, size_t n, int *status)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4);

	if (!end)
		return 0;
	size_t head = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1)
		return -1;
	long length = 0;
	bool chunked = false;
	for (const char *p = buf; p < end; ) {
		const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
		if (!strncasecmp(p, "Content-Length:", 15))
			length = strtol(p + 15, NULL, 10);
		else if (!strncasecmp(p, "Transfer-Encoding:", 18) && memmem(p, (size_t)(eol - p),
									   "chunked", 7))
			chunked = true;
		p = eol + 2;
	}
	if (!chunked)
		return head + (size_t)length <= n ? (long)head + length : 0;
	size_t at = head;
	for (;;) {
		const char *eol = at < n ? memmem(buf + at, n - at, "\r\n", 2) : NULL;
		if (!eol)
			return 0;
		long size = strtol(buf + at, NULL, 16);
		at = (size_t)(eol - buf) + 2 + (size_t)size + 2;
		if (at > n)
			return 0;
		if (size == 0)
			return (long)at;
	}
}

static void conn_close(struct conn *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void request_done(long i, int status, double sched_start)
{
	double ms = (now_s() - (sched_start + (double)i / opt.rate)) * 1000.0;

	if (ms > opt.timeout * 1000.0) {
		late++;
		return;
	}
	if (status < 200 || status > 299) {
		errors++;
		if (status != 0)
			status_other = status;
		return;
	}
	latency[answered++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(double p)
{
	if (!answered)
		return 0;
	long k = (long)(p * (double)(answered - 1) + 0.5);
	return latency[k];
}

static int selftest(void)
{
	const char *text = "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDE"
			   "Caller+14158675309Digits1234From+14158675309To+18005551212";
	char sig[64];

	twilio_sign("12345", text, strlen(text), sig);
	printf("%s\n", strcmp(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") ? "signature WRONG" : "ok");
	return strcmp(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") ? 1 : 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "--selftest"))
			return selftest();
		if (!strcmp(a, "--port")) opt.port = atoi(v);
		else if (!strcmp(a, "--kind")) opt.kind = v;
		else if (!strcmp(a, "--path")) opt.path = v;
		else if (!strcmp(a, "--rate")) opt.rate = atoi(v);
		else if (!strcmp(a, "--seconds")) opt.seconds = atoi(v);
		else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
		else if (!strcmp(a, "--timeout")) opt.timeout = atoi(v);
		else if (!strcmp(a, "--token")) opt.token = v;
		else if (!strcmp(a, "--to")) opt.to = v;
		else if (!strcmp(a, "--sid-prefix")) opt.prefix = v;
		else if (!strcmp(a, "--base")) opt.base = v;
		else {
			fprintf(stderr, "hookload: unknown option %s\n", a);
			return 2;
		}
		i++;
	}
	if (opt.port <= 0 || opt.rate <= 0 || opt.seconds <= 0 || opt.conns <= 0 ||
	    opt.conns > MAX_CONNS || strlen(opt.prefix) != 8) {
		fprintf(stderr, "usage: hookload --port PORT --kind voice|turn|status|get --rate N "
				"--seconds S [--token T] [--to E164] [--sid-prefix 8HEX] [--conns N]\n");
		return 2;
	}
	if (!opt.path)
		opt.path = !strcmp(opt.kind, "voice") ? "/hooks/twilio/voice" :
			   !strcmp(opt.kind, "turn") ? "/hooks/twilio/turn" :
			   !strcmp(opt.kind, "status") ? "/hooks/twilio/status" : "/readyz";
	char base[64];
	if (!opt.base) {
		snprintf(base, sizeof(base), "http://127.0.0.1:%d", opt.port);
		opt.base = base;
	}
	long total = (long)opt.rate * opt.seconds;
	latency = calloc((size_t)total, sizeof(double));
	idle_stack = calloc(2 * MAX_CONNS, sizeof(long));
	epfd = epoll_create1(0);

	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	double start = now_s() + 0.05, deadline_all = start + opt.seconds + opt.timeout + 1;
	long next = 0, finished = 0;
	struct epoll_event evs[256];

	while (finished < total && now_s() < deadline_all) {
		double t = now_s();
		/* Every request now due goes out on an idle connection, or a new one. */
		while (next < total && start + (double)next / opt.rate <= t) {
			struct conn *c = NULL;
			while (nidle > 0 && !c) {
				struct conn *k = conns[idle_stack[--nidle]];
				if (k->fd >= 0 && !k->busy)
					c = k;
			}
			if (!c && nconns < opt.conns)
				c = conn_open();
			if (!c)
				break;	/* all connections busy: it waits, and its wait counts */
			c->busy = true;
			c->request = next++;
			c->in_len = 0;
			build_request(c, c->request);
			sent++;
			conn_write(c);
		}
		double wake = next < total ? start + (double)next / opt.rate - now_s() : 0.05;
		if (wake < 0)
			wake = 0;
		if (next < total && nidle == 0 && nconns >= opt.conns)
			wake = 0.005;
		struct timespec ts = { (time_t)wake, (long)((wake - (double)(time_t)wake) * 1e9) };
		int n = epoll_pwait2(epfd, evs, 256, &ts, NULL);
		for (int k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;
			if (c->fd < 0)
				continue;
			if (evs[k].events & EPOLLOUT)
				conn_write(c);
			if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			for (;;) {
				ssize_t r = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
				if (r > 0) {
					c->in_len += (size_t)r;
					int status = 0;
					long len = answer_length(c->in, c->in_len, &status);
					if (len > 0 && c->busy) {
						request_done(c->request, status, start);
						finished++;
						c->busy = false;
						memmove(c->in, c->in + len, c->in_len - (size_t)len);
						c->in_len -= (size_t)len;
						for (int j = 0; j < nconns; j++)
							if (conns[j] == c && nidle < 2 * MAX_CONNS)
								idle_stack[nidle++] = j;
					}
					if (c->in_len >= IN_MAX)
						c->in_len = 0;
					continue;
				}
				if (r == 0 || errno != EAGAIN) {
					/* Closed: its request failed; a later one opens another. */
					if (c->busy) {
						request_done(c->request, 0, start);
						finished++;
					}
					conn_close(c);
					for (int j = 0; j < nconns; j++)
						if (conns[j] == c) {
							conns[j] = conns[--nconns];
							break;
						}
					free(c);
				}
				break;
			}
		}
		/* Answers later than the timeout are failures: count them once, at the end. */
	}
	long unanswered = total - finished;
	getrusage(RUSAGE_SELF, &ru1);
	double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		     (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
		     (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	qsort(latency, (size_t)answered, sizeof(double), cmp_double);
	printf("%-6s %5d/s x %2d s: sent %ld answered %ld  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms"
	       "  errors %ld  past-%ds %ld  conns %d  generator %.1f us/req\n",
	       opt.kind, opt.rate, opt.seconds, sent, answered, percentile(0.50), percentile(0.90),
	       percentile(0.99), answered ? latency[answered - 1] : 0.0, errors + unanswered,
	       opt.timeout, late + unanswered, nconns,
	       sent ? cpu * 1e6 / (double)sent : 0.0);
	if (status_other)
		printf("  (an error answer's status: %ld)\n", status_other);
	return 0;
}
