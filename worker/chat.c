/* chat.c: switchboard-chat: talk to an organization's receptionist as text, one line a turn */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"

static void usage(void)
{
	fprintf(stderr, "usage: switchboard-chat --org <id> [--caller +1555...] [--call <calls.id>] "
			"[--now <unix time>]\n"
			"Reads what the caller says from stdin, one line a turn (an empty line is "
			"silence),\nprints each reply as \"receptionist: ...\" and then the session "
			"state as JSON.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "org", required_argument, NULL, 'o' },
		{ "caller", required_argument, NULL, 'c' },
		{ "call", required_argument, NULL, 'k' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *org = NULL, *caller = NULL, *call = NULL;
	time_t now = 0;
	int opt, rc = 1;
	char *line = NULL;
	size_t cap = 0;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'o': org = optarg; break;
		case 'c': caller = optarg; break;
		case 'k': call = optarg; break;
		case 'n': {
			char *end;
			now = (time_t)strtoll(optarg, &end, 10);
			if (*end || now <= 0) {
				fprintf(stderr, "switchboard-chat: --now needs a unix time\n");
				return 2;
			}
			break;
		}
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!org || optind != argc) {
		usage();
		return 2;
	}
	if (conf_load(0, NULL) < 0)
		return 2;
	log_init("chat", log_level_parse(conf_str("LOG_LEVEL")));
	if (!conf_str("DATABASE_URL")[0]) {
		fprintf(stderr, "switchboard-chat: DATABASE_URL is not set\n");
		return 2;
	}

	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *call_arena = arena_new();
	struct arena *turn_arena = arena_new();
	struct brain_session *s = brain_session_open(db, call_arena, org, call, caller);
	if (!s) {
		fprintf(stderr, "switchboard-chat: could not open the session\n");
		goto out;
	}
	s->now = now;
	printf("receptionist: %s\n", brain_greeting(db, turn_arena, s));
	fflush(stdout);
	arena_reset(turn_arena);

	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		struct brain_reply reply;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		brain_turn(db, turn_arena, s, line, NULL, NULL, &reply);
		printf("receptionist: %s\n", reply.text);
		fflush(stdout);
		bool over = reply.action != BRAIN_LISTEN;
		arena_reset(turn_arena);
		if (over)
			break;
	}
	printf("%s\n", json_text(turn_arena, s->state));
	rc = 0;
out:
	free(line);
	arena_free(turn_arena);
	arena_free(call_arena);
	db_close(db);
	return rc;
}
