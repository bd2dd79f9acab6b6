/* conf.c: the settings table, filled from a file and the environment */
#include "infra/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/xalloc.h"

/* A CONF_URL is a string whose trailing slashes are dropped as it is set, so every caller can
 * append "/path" to it. */
enum conf_type { CONF_STRING, CONF_URL, CONF_INT, CONF_BOOL };

struct conf_entry {
	const char *name;
	enum conf_type type;
	const char *fallback;   /* default value, NULL for none */
	int required_by;        /* enum conf_program bits */
	long min, max;          /* bounds for CONF_INT */
	const char *help;
	char *value;            /* configured value, heap-owned; NULL means "use fallback" */
};

#define ALL (CONF_FCGI | CONF_VOICE | CONF_JOBS | CONF_LIVE)

static struct conf_entry conf_table[] = {
	{ "DATABASE_URL", CONF_STRING, NULL, ALL, 0, 0,
	  "libpq connection string for the switchboard_app role", NULL },
	{ "LOG_LEVEL", CONF_STRING, "info", 0, 0, 0, "debug, info, warn or error", NULL },
	{ "PUBLIC_BASE_URL", CONF_URL, "http://127.0.0.1:8080", 0, 0, 0,
	  "the URL providers and browsers use to reach nginx, for signatures and links", NULL },
	{ "TEMPLATE_DIR", CONF_STRING, "templates", 0, 0, 0, "where the page templates are", NULL },
	{ "FCGI_SOCKET", CONF_STRING, "var/run/fcgi.sock", 0, 0, 0,
	  "unix socket path (or :port) the FastCGI responders listen on", NULL },
	{ "FCGI_WORKERS", CONF_INT, "4", 0, 1, 256, "number of preforked responders", NULL },
	{ "FCGI_HOOK_SOCKET", CONF_STRING, NULL, 0, 0, 0,
	  "unix socket path (or :port) of a second pool that serves provider webhooks only; "
	  "unset: one pool serves everything", NULL },
	{ "FCGI_HOOK_WORKERS", CONF_INT, "4", 0, 1, 256,
	  "number of preforked responders on FCGI_HOOK_SOCKET", NULL },
	{ "FCGI_MAX_REQUESTS", CONF_INT, "0", 0, 0, 1000000000,
	  "requests after which a responder exits and is replaced; 0 for never", NULL },
	{ "BODY_LIMIT", CONF_INT, "1048576", 0, 1024, 67108864,
	  "largest request body accepted, in bytes", NULL },
	{ "EXPECTED_MIGRATION", CONF_STRING, NULL, 0, 0, 0,
	  "newest migration the database must have for /readyz (default: built in)", NULL },
	{ "SESSION_SECRET", CONF_STRING, NULL, CONF_FCGI, 0, 0,
	  "secret (32+ characters) that signs session tokens", NULL },
	{ "SESSION_HOURS", CONF_INT, "12", 0, 1, 720, "how long a login lasts", NULL },
	{ "ENCRYPTION_KEY", CONF_STRING, NULL, 0, 0, 0,
	  "64 hex digits: the AES-256 key for provider secrets at rest", NULL },
	{ "LOGIN_MAX_FAILURES", CONF_INT, "5", 0, 1, 100,
	  "failed sign-ins for an account from one address before each further try must wait", NULL },
	{ "LOGIN_LOCK_MINUTES", CONF_INT, "15", 0, 1, 1440,
	  "the longest wait between sign-in tries once they are slowed down", NULL },
	{ "PASSWORD_SCRYPT_N", CONF_INT, "131072", 0, 1024, 262144,
	  "scrypt work factor (a power of two) for new password hashes; weaker ones are re-hashed "
	  "at sign-in. Below 16384 only for test stacks", NULL },
	{ "HTTP_TIMEOUT_MS", CONF_INT, "4000", 0, 50, 120000,
	  "timeout for every call to a provider", NULL },
	{ "RECORDING_TIMEOUT_MS", CONF_INT, "15000", 0, 100, 120000,
	  "how long the recording check waits for the provider (nginx streams plays)", NULL },
	{ "RECORDING_MAX_BYTES", CONF_INT, "67108864", 0, 65536, 536870912,
	  "largest answer the recording check takes from the provider, in bytes", NULL },
	{ "RECORDING_ORIGINS", CONF_STRING,
	  "https://api.twilio.com https://storage.vapi.ai https://auth.vapi.ai", 0, 0, 0,
	  "the only origins (scheme://host[:port], space-separated) recordings are fetched from",
	  NULL },
	{ "WEBCLIENT_ALLOW_LOOPBACK", CONF_BOOL, "0", 0, 0, 0,
	  "let requests that must reach public addresses only reach loopback too (test stacks)",
	  NULL },
	{ "LLM_BASE_URL", CONF_URL, NULL, 0, 0, 0,
	  "OpenAI-compatible API base (https://api.openai.com/v1); unset: the rules brain only", NULL },
	{ "LLM_MODEL", CONF_STRING, "gpt-4o-mini", 0, 0, 0, "chat model the brain asks", NULL },
	{ "LLM_API_KEY", CONF_STRING, NULL, 0, 0, 0, "bearer key for LLM_BASE_URL", NULL },
	{ "BRAIN_BUDGET_MS", CONF_INT, "4000", 0, 100, 12000,
	  "time a turn may take before the rules engine answers instead of the LLM", NULL },
	{ "VOICE_LISTEN", CONF_STRING, "127.0.0.1:8091", 0, 0, 0,
	  "address the voice worker listens on for media streams", NULL },
	{ "MEDIA_TOKEN_SECRET", CONF_STRING, NULL, 0, 0, 0,
	  "secret (32+ characters) that signs the token a media stream opens with", NULL },
	{ "TWILIO_ACCOUNT_SID", CONF_STRING, NULL, 0, 0, 0,
	  "Twilio account (AC...) for the REST API", NULL },
	{ "TWILIO_AUTH_TOKEN", CONF_STRING, NULL, 0, 0, 0,
	  "Twilio auth token: checks webhook signatures and signs REST calls", NULL },
	{ "TWILIO_API_BASE", CONF_URL, "https://api.twilio.com", 0, 0, 0,
	  "base URL of Twilio's REST API", NULL },
	{ "VAPI_API_BASE", CONF_URL, "https://api.vapi.ai", 0, 0, 0,
	  "base URL of Vapi's REST API (outbound calls)", NULL },
	{ "GOOGLE_AUTH_URL", CONF_URL, "https://accounts.google.com/o/oauth2/v2/auth", 0, 0, 0,
	  "Google's OAuth consent page", NULL },
	{ "GOOGLE_OAUTH_URL", CONF_URL, "https://oauth2.googleapis.com", 0, 0, 0,
	  "base URL of Google's OAuth token and revocation endpoints", NULL },
	{ "GOOGLE_API_URL", CONF_URL, "https://www.googleapis.com/calendar/v3", 0, 0, 0,
	  "base URL of the Google Calendar API", NULL },
	{ "GOOGLE_CLIENT_ID", CONF_STRING, NULL, 0, 0, 0,
	  "Google OAuth client id; without one Settings -> Calendar cannot connect", NULL },
	{ "GOOGLE_CLIENT_SECRET", CONF_STRING, NULL, 0, 0, 0, "Google OAuth client secret", NULL },
	{ "GOOGLE_STATE_SECRET", CONF_STRING, NULL, 0, 0, 0,
	  "key of the signed OAuth state (32+ characters); SESSION_SECRET when unset", NULL },
	{ "GOOGLE_SCHEDULE_SECONDS", CONF_INT, "60", 0, 1, 3600,
	  "how often the job runner queues the calendars' periodic syncs and channel renewals",
	  NULL },
	{ "VOICE_THREADS", CONF_INT, "4", 0, 1, 64,
	  "voice worker threads for database, brain and speech synthesis work", NULL },
	{ "VOICE_THREADS_MAX", CONF_INT, "64", 0, 1, 1024,
	  "voice worker threads at most: more start while turns wait for one (each holds a "
	  "database connection)", NULL },
	{ "VOICE_SILENCE_MS", CONF_INT, "500", 0, 100, 5000,
	  "silence that ends the caller's turn on a live call", NULL },
	{ "VOICE_PREEMPT", CONF_BOOL, "1", 0, 0, 0,
	  "on a live call with an LLM, ask the model while the caller pauses (0: at the turn's end)",
	  NULL },
	{ "DEEPGRAM_URL", CONF_URL, "wss://api.deepgram.com/v1/listen", 0, 0, 0,
	  "Deepgram live speech recognition endpoint (ws:// or wss://)", NULL },
	{ "DEEPGRAM_API_KEY", CONF_STRING, NULL, 0, 0, 0,
	  "Deepgram key; without one live calls continue in gather mode", NULL },
	{ "DEEPGRAM_MODEL", CONF_STRING, "nova-2-phonecall", 0, 0, 0,
	  "Deepgram model for live calls (8 kHz telephone audio)", NULL },
	{ "MEDIA_START_TIMEOUT_MS", CONF_INT, "10000", 0, 100, 600000,
	  "a media stream or test call that has not started within this is closed", NULL },
	{ "MEDIA_IDLE_TIMEOUT_MS", CONF_INT, "30000", 0, 100, 3600000,
	  "a media stream or test call that sends nothing for this long is closed", NULL },
	{ "TTS_PROVIDER", CONF_STRING, "flite", 0, 0, 0,
	  "speech synthesis on live calls: flite (built in), elevenlabs or openai", NULL },
	{ "TTS_FIRST_BYTE_TIMEOUT_MS", CONF_INT, "1500", 0, 50, 30000,
	  "wait for a synthesis provider's first audio (and any later gap) before flite takes over",
	  NULL },
	{ "ELEVENLABS_URL", CONF_URL, "https://api.elevenlabs.io", 0, 0, 0,
	  "ElevenLabs API base", NULL },
	{ "ELEVENLABS_API_KEY", CONF_STRING, NULL, 0, 0, 0, "ElevenLabs key (xi-api-key)", NULL },
	{ "ELEVENLABS_VOICE_ID", CONF_STRING, "21m00Tcm4TlvDq8ikWAM", 0, 0, 0,
	  "ElevenLabs voice the receptionist speaks with", NULL },
	{ "ELEVENLABS_MODEL", CONF_STRING, "eleven_flash_v2_5", 0, 0, 0,
	  "ElevenLabs model (model_id)", NULL },
	{ "OPENAI_TTS_URL", CONF_URL, "https://api.openai.com/v1", 0, 0, 0,
	  "OpenAI-compatible speech API base", NULL },
	{ "OPENAI_TTS_API_KEY", CONF_STRING, NULL, 0, 0, 0, "bearer key for OPENAI_TTS_URL", NULL },
	{ "OPENAI_TTS_MODEL", CONF_STRING, "gpt-4o-mini-tts", 0, 0, 0, "OpenAI speech model", NULL },
	{ "OPENAI_TTS_VOICE", CONF_STRING, "alloy", 0, 0, 0, "OpenAI voice", NULL },
	{ "ASR_MODEL_DIR", CONF_STRING, "/usr/share/pocketsphinx/model/en-us", 0, 0, 0,
	  "pocketsphinx models (en-us, en-us.lm.bin, cmudict-en-us.dict) for the browser test call",
	  NULL },
	{ "JOBS_POLL_MS", CONF_INT, "500", 0, 10, 60000,
	  "how often the job runner looks for due jobs when no notification wakes it", NULL },
	{ "JOBS_BATCH", CONF_INT, "10", 0, 1, 1000, "jobs claimed at once", NULL },
	{ "ENCRYPTION_KEYS_OLD", CONF_STRING, "", 0, 0, 0,
	  "earlier ENCRYPTION_KEYs, comma-separated, still opened until switchboard-rotate-keys "
	  "has re-sealed everything with the current one", NULL },
	{ "SMS_DAILY_CEILING", CONF_INT, "1000", 0, 0, 100000,
	  "most texts any one business may send a day, whatever its own limit says", NULL },
	{ "CALLS_DAILY_CEILING", CONF_INT, "200", 0, 0, 100000,
	  "most call-backs any one business may place a day, whatever its own limit says", NULL },
	{ "SMTP_URL", CONF_STRING, NULL, 0, 0, 0,
	  "mail relay: smtp://host:587 (STARTTLS required) or smtps://host:465; unset, email is "
	  "only logged", NULL },
	{ "SMTP_USER", CONF_STRING, NULL, 0, 0, 0, "user name for the relay's AUTH (unset: none)",
	  NULL },
	{ "SMTP_PASSWORD", CONF_STRING, NULL, 0, 0, 0, "password for the relay's AUTH", NULL },
	{ "SMTP_FROM", CONF_STRING, "noreply@localhost", 0, 0, 0,
	  "the address every email comes from (envelope and From:)", NULL },
	{ "SMTP_CA_FILE", CONF_STRING, NULL, 0, 0, 0,
	  "certificate authorities for the relay (unset: the system's)", NULL },
	{ "SMTP_TIMEOUT_MS", CONF_INT, "30000", 0, 100, 600000,
	  "longest one email may take to hand to the relay", NULL },
	{ "SMTP_CONNECT_TIMEOUT_MS", CONF_INT, "10000", 0, 100, 600000,
	  "longest wait for the relay to accept the connection", NULL },
	{ "SMTP_RESPONSE_TIMEOUT_MS", CONF_INT, "10000", 0, 100, 600000,
	  "longest wait for each reply of the relay", NULL },
	{ "MAIL_DOMAIN", CONF_STRING, "localhost", 0, 0, 0,
	  "domain of Message-IDs", NULL },
	{ "PRUNE_AFTER_DAYS", CONF_INT, "30", 0, 1, 3650,
	  "age at which webhook events and finished jobs are deleted by the daily retention job",
	  NULL },
	{ "LIVE_SOCKET", CONF_STRING, NULL, CONF_LIVE, 0, 0,
	  "unix socket switchboard-live serves live events on; only nginx may reach it", NULL },
	{ "LIVE_BUFFER", CONF_INT, "200", 0, 10, 100000,
	  "live events kept per business for reconnects; a stream this far behind is cut", NULL },
	{ "LIVE_KEEP_S", CONF_INT, "600", 0, 10, 86400,
	  "seconds a live event is kept for reconnects", NULL },
	{ "LIVE_STREAM_MAX_S", CONF_INT, "300", 0, 5, 86400,
	  "a live-event stream is ended after this long, so its session is checked again", NULL },
};

#define CONF_COUNT (sizeof(conf_table) / sizeof(conf_table[0]))

static struct conf_entry *conf_find(const char *name)
{
	for (size_t i = 0; i < CONF_COUNT; i++)
		if (!strcmp(conf_table[i].name, name))
			return &conf_table[i];
	return NULL;
}

void conf_set(const char *name, const char *value)
{
	struct conf_entry *e = conf_find(name);

	if (!e)
		return;
	free(e->value);
	e->value = value ? xstrdup(value) : NULL;
	if (e->value && e->type == CONF_URL) {
		size_t len = strlen(e->value);
		while (len && e->value[len - 1] == '/')
			e->value[--len] = '\0';
	}
}

static int conf_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "fatal: could not open config file %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = line + strspn(line, " \t");
		s[strcspn(s, "\r\n")] = '\0';
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "fatal: %s:%d: expected KEY=VALUE\n", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		char *key = s, *end = eq;
		while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!conf_find(key)) {
			fprintf(stderr, "fatal: %s:%d: unknown setting %s\n", path, lineno, key);
			fclose(f);
			return -1;
		}
		conf_set(key, eq + 1 + strspn(eq + 1, " \t"));
	}
	fclose(f);
	return 0;
}

static int conf_check(struct conf_entry *e)
{
	const char *v = e->value ? e->value : e->fallback;
	char *end;

	if (!v)
		return 0;
	if (e->type == CONF_INT) {
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < e->min || n > e->max) {
			fprintf(stderr, "fatal: setting %s must be a whole number from %ld to %ld, not \"%s\"\n",
				e->name, e->min, e->max, v);
			return -1;
		}
		/* scrypt's N must be a power of two; anything else fails every sign-up. */
		if (!strcmp(e->name, "PASSWORD_SCRYPT_N") && (n & (n - 1))) {
			fprintf(stderr, "fatal: setting %s must be a power of two, not \"%s\"\n",
				e->name, v);
			return -1;
		}
	} else if (e->type == CONF_BOOL) {
		if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "true") && strcmp(v, "false")) {
			fprintf(stderr, "fatal: setting %s must be true or false, not \"%s\"\n", e->name, v);
			return -1;
		}
	}
	return 0;
}

int conf_load(enum conf_program program, const char *path)
{
	if (!path)
		path = getenv("CONFIG_FILE");
	if (path && *path && conf_read_file(path) < 0)
		return -1;
	for (size_t i = 0; i < CONF_COUNT; i++) {
		struct conf_entry *e = &conf_table[i];
		const char *env = getenv(e->name);
		if (env)
			conf_set(e->name, env);
		if (conf_check(e) < 0)
			return -1;
		if ((e->required_by & (int)program) && (!e->value || !*e->value) && !e->fallback) {
			fprintf(stderr, "fatal: missing required setting %s (%s)\n", e->name, e->help);
			return -1;
		}
	}
	return 0;
}

const char *conf_str(const char *name)
{
	struct conf_entry *e = conf_find(name);

	if (!e)
		return "";
	if (e->value)
		return e->value;
	return e->fallback ? e->fallback : "";
}

long conf_int(const char *name)
{
	return strtol(conf_str(name), NULL, 10);
}

bool conf_bool(const char *name)
{
	const char *v = conf_str(name);
	return !strcmp(v, "1") || !strcmp(v, "true");
}
