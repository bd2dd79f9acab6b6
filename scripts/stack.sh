# stack.sh: start and stop Switchboard's servers; sourced by scripts/run, scripts/test and the
# benchmarks. Everything lives under one state directory:
#   $STATE/pg/data      PostgreSQL cluster (owned by the postgres user; unix socket only)
#   $STATE/pg/sock      its socket directory
#   $STATE/run          FastCGI socket, pid files
#   $STATE/nginx        nginx config and temp files
#   $STATE/log          every server's log
# Callers set STATE, HTTP_PORT, VOICE_PORT and MODE (run or test) first.
# Every function here may run under `set -e`: none of them fails because a server is already
# gone, so stopping always gets to the end.
#
# Nothing the stack writes is for other local users: files are made 0640 and directories 0750
# (umask 027), secrets.env 0600, PostgreSQL's socket directory 0700, and PostgreSQL accepts
# only peer authentication from the user who runs the stack (README: Security).
umask 027

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
BIN=${SB_BUILD:-$ROOT/build}/bin
STACK_PIDS=()

stack_log() { printf '%s\n' "switchboard: $*" >&2; }
stack_die() { stack_log "$*"; exit 1; }

# PostgreSQL refuses to run as root, so the cluster belongs to the postgres system user.
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_dir_prepare() {
	mkdir -p "$STATE/log" "$STATE/run" "$STATE/nginx"
	# A state directory made before the stack kept its files to itself is closed up too.
	chmod 750 "$STATE/log" "$STATE/run" "$STATE/nginx"
	find "$STATE/log" -maxdepth 1 -type f -exec chmod 640 {} +
	# The postgres user must reach the cluster. A state directory of root's that is closed to
	# other users (umask 027) opens to the postgres group alone; when the project sits
	# somewhere it cannot reach at all (a home directory), keep the cluster in a directory of
	# its own and link to it.
	if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null &&
		[ "$(stat -c %u:%g "$STATE")" = 0:0 ]; then
		chgrp postgres "$STATE"
		chmod g+x "$STATE"
	fi
	# The server is then given real paths (PG_DATA, PG_LOG) that do not pass through $STATE;
	# a cluster already inside $STATE is never moved or removed.
	PG_LOG=$STATE/log/postgresql.log
	if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
		local elsewhere
		elsewhere=/var/tmp/switchboard-pg-$(printf '%s' "$STATE" | md5sum | cut -c1-12)
		mkdir -p "$elsewhere"
		chmod 750 "$elsewhere"
		[ -e "$STATE/pg" ] || ln -s "$elsewhere" "$STATE/pg"
		chown postgres: "$elsewhere"
		PG_LOG=$elsewhere/postgresql.log
		[ -e "$STATE/log/postgresql.log" ] || ln -s "$PG_LOG" "$STATE/log/postgresql.log"
	fi
	mkdir -p "$STATE/pg/sock"
	touch "$PG_LOG"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$STATE/pg" "$STATE/pg/sock" "$PG_LOG"
		# The server writes its own log file, so its group may enter log/ (and no one else).
		chgrp postgres "$STATE/log"
	fi
	chmod 640 "$PG_LOG"
	PG_DATA=$(cd "$STATE/pg" && pwd -P)/data
	# Only the server's user may reach its socket (root reaches it anyway).
	chmod 750 "$STATE/pg"
	chmod 700 "$STATE/pg/sock"
	PG_SOCK=$(cd "$STATE/pg/sock" && pwd -P)
}

# The roles that may connect, and how: peer authentication over the unix socket only, mapped
# from the operating-system user who runs the stack (root included) to the schema owner and
# the three program roles, and from the postgres user alone to the superuser (or from the user
# who runs the stack, when that user owns the cluster). No password, no trust, no TCP.
pg_auth_write() {
	local data=$PG_DATA runner role
	runner=$(id -un)
	{
		echo "# Written by scripts/stack.sh at every start; edits here are lost."
		echo "# TYPE  DATABASE     USER                                     METHOD"
		echo "local   all          postgres                                 peer map=switchboard_super"
		printf 'local   switchboard  %s peer map=switchboard\n' \
			switchboard_owner,switchboard_web,switchboard_voice,switchboard_jobs,switchboard_live
	} | as_postgres tee "$data/pg_hba.conf" >/dev/null
	{
		echo "# Written by scripts/stack.sh at every start; edits here are lost."
		echo "# MAP               OS-USER   ROLE"
		echo "switchboard_super   postgres  postgres"
		[ "$(id -u)" -eq 0 ] || echo "switchboard_super   $runner  postgres"
		for role in switchboard_owner switchboard_web switchboard_voice switchboard_jobs \
			switchboard_live; do
			echo "switchboard         $runner  $role"
		done
	} | as_postgres tee "$data/pg_ident.conf" >/dev/null
	as_postgres chmod 600 "$data/pg_hba.conf" "$data/pg_ident.conf"
}

pg_start() {
	pg_dir_prepare
	if [ ! -s "$PG_DATA/PG_VERSION" ]; then
		as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres \
			--auth-local=peer --auth-host=reject -E UTF8 --locale=C.UTF-8 >"$STATE/log/initdb.log" 2>&1 ||
			stack_die "could not create the database cluster (see $STATE/log/initdb.log)"
	fi
	pg_auth_write
	# The benchmarks count each statement's time (pg_stat_statements, from postgresql-contrib).
	local bench_opts=""
	[ "${MODE:-}" = bench ] &&
		bench_opts="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
	# Unix socket only: nothing else on the machine can reach this cluster, and no port clashes.
	as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_SOCK -c unix_socket_permissions=0700" \
		-o "-c fsync=${PG_FSYNC:-on} -c max_connections=200 -c jit=off $bench_opts" \
		start >/dev/null || stack_die "could not start PostgreSQL (see $STATE/log/postgresql.log)"
	PG_SUPER="host=$PG_SOCK dbname=postgres user=postgres"
	DSN_OWNER="host=$PG_SOCK dbname=switchboard user=switchboard_owner"
	# One role per program (sql/016_roles_per_program.sql); DSN_APP is the web front's, the
	# role the tests check row-level security with.
	DSN_WEB="host=$PG_SOCK dbname=switchboard user=switchboard_web"
	DSN_VOICE="host=$PG_SOCK dbname=switchboard user=switchboard_voice"
	DSN_JOBS="host=$PG_SOCK dbname=switchboard user=switchboard_jobs"
	# The live publisher only LISTENs: its role is granted nothing at all.
	DSN_LIVE="host=$PG_SOCK dbname=switchboard user=switchboard_live"
	DSN_APP=$DSN_WEB
	export PG_SOCK DSN_OWNER DSN_WEB DSN_VOICE DSN_JOBS DSN_LIVE DSN_APP
	# switchboard_app is the role migrations before 016 grant to; it no longer logs in.
	local roles_failed="could not create the database roles"
	as_postgres psql -X -q -v ON_ERROR_STOP=1 "$PG_SUPER" >/dev/null <<-'SQL' || stack_die "$roles_failed"
		SELECT 'CREATE ROLE switchboard_owner LOGIN'
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'switchboard_owner') \gexec
		SELECT format('CREATE ROLE %I NOLOGIN', r)
		FROM unnest(ARRAY['switchboard_app', 'switchboard_web', 'switchboard_voice',
				  'switchboard_jobs', 'switchboard_live']) AS r
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
		ALTER ROLE switchboard_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
		ALTER ROLE switchboard_web LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
		ALTER ROLE switchboard_voice LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
		ALTER ROLE switchboard_jobs LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
		ALTER ROLE switchboard_live LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
		SELECT 'CREATE DATABASE switchboard OWNER switchboard_owner'
		WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'switchboard') \gexec
	SQL
}

pg_stop() {
	[ -n "${STATE:-}" ] && [ -s "$STATE/pg/data/postmaster.pid" ] &&
		as_postgres "$PG_BIN/pg_ctl" -D "$(cd "$STATE/pg" && pwd -P)/data" -m fast -w stop \
			>/dev/null 2>&1
	return 0
}

# Apply every sql/NNN_*.sql not yet recorded, each in one transaction with its record.
migrate() {
	psql -X -q -v ON_ERROR_STOP=1 "$DSN_OWNER" >/dev/null <<-'SQL' || stack_die "could not create schema_migrations"
		SET client_min_messages = warning;
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version text PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		);
		GRANT SELECT ON schema_migrations TO switchboard_web;
	SQL
	local file version applied
	applied=$(psql -X -At "$DSN_OWNER" -c 'SELECT version FROM schema_migrations')
	for file in "$ROOT"/sql/[0-9]*.sql; do
		version=$(basename "$file" .sql)
		grep -qx "$version" <<<"$applied" && continue
		psql -X -q -1 -v ON_ERROR_STOP=1 "$DSN_OWNER" -f "$file" \
			-c "INSERT INTO schema_migrations (version) VALUES ('$version')" \
			>>"$STATE/log/migrate.log" 2>&1 || stack_die "migration $version failed (see $STATE/log/migrate.log)"
		stack_log "applied migration $version"
	done
	# Since 016 each program has its own role and switchboard_app has no member: a privilege
	# granted to it reaches no program, which would fail later and far from its cause.
	local stray
	stray=$(psql -X -At "$DSN_OWNER" -c "SELECT string_agg(DISTINCT c.relname, ', ')
		FROM pg_class c, aclexplode(c.relacl) a
		WHERE c.relnamespace = 'public'::regnamespace
		  AND a.grantee = 'switchboard_app'::regrole") || stray=
	[ -z "$stray" ] || [ -z "$(psql -X -At "$DSN_OWNER" \
		-c "SELECT 1 FROM schema_migrations WHERE version LIKE '016\_%'")" ] ||
		stack_die "a migration granted switchboard_app privileges on $stray;" \
			"grant to switchboard_web, switchboard_voice or switchboard_jobs (README: Security)"
}

seed_demo() {
	psql -X -q -v ON_ERROR_STOP=1 "$DSN_OWNER" -f "$ROOT/sql/demo/acme.sql" >>"$STATE/log/migrate.log" 2>&1 ||
		stack_die "could not load the demo business (see $STATE/log/migrate.log)"
}

# Secrets made once per state directory, so sessions survive a restart of `make run`. The
# local TWILIO_AUTH_TOKEN is what the fakes sign with; a real account's token, set in the
# environment, wins.
secrets_load() {
	local twilio_token=${TWILIO_AUTH_TOKEN:-}
	if [ ! -s "$STATE/secrets.env" ]; then
		umask 077
		{
			echo "SESSION_SECRET=$(openssl rand -hex 32)"
			echo "ENCRYPTION_KEY=$(openssl rand -hex 32)"
		} >"$STATE/secrets.env"
		umask 027
	fi
	chmod 600 "$STATE/secrets.env"
	# Secrets added since a state directory was made are appended to it once.
	grep -q '^MEDIA_TOKEN_SECRET=' "$STATE/secrets.env" ||
		echo "MEDIA_TOKEN_SECRET=$(openssl rand -hex 32)" >>"$STATE/secrets.env"
	grep -q '^TWILIO_AUTH_TOKEN=' "$STATE/secrets.env" ||
		echo "TWILIO_AUTH_TOKEN=$(openssl rand -hex 16)" >>"$STATE/secrets.env"
	set -a
	. "$STATE/secrets.env"
	set +a
	[ -z "$twilio_token" ] || export TWILIO_AUTH_TOKEN=$twilio_token
}

# Each program runs in a session of its own (setsid), so a Ctrl-C at the terminal reaches only
# the script that started it, which then stops everything in order. The pid in run/<name>.pid
# is the program itself and the leader of its process group (the fcgi responders are in it).
program_start() {
	local name=$1 dsn=$2
	DATABASE_URL=$dsn setsid "$BIN/switchboard-$name" >>"$STATE/log/$name.log" 2>&1 </dev/null &
	echo $! >"$STATE/run/$name.pid"
	STACK_PIDS+=($!)
}

programs_start() {
	secrets_load
	export FCGI_SOCKET=$STATE/run/fcgi.sock FCGI_HOOK_SOCKET=$STATE/run/fcgi-hooks.sock
	export TEMPLATE_DIR=$ROOT/templates
	export VOICE_LISTEN=127.0.0.1:$VOICE_PORT
	export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$HTTP_PORT}
	program_start fcgi "$DSN_WEB"
	program_start jobs "$DSN_JOBS"
	program_start voice "$DSN_VOICE"
	# switchboard-live serves PostgreSQL's org_events as the browsers' live streams on a unix
	# socket (0660, like the FastCGI sockets) that nginx proxies /live/<org id> to.
	LIVE_SOCKET=$STATE/run/live.sock program_start live "$DSN_LIVE"
	fcgi_socket_close
}

# The mail relay fake (tests/fakes/smtp_fake.py, Debian's python3-aiosmtpd): STARTTLS with a
# test CA made in $STATE/smtp-tls, AUTH with a password of this state directory, and a copy of
# every message it accepts in $STATE/mail/ (with `make run`, read there what Switchboard sent).
# Steered by tests through SB_SMTP_FAKE_URL. With SMTP_URL set (a real relay), no fake starts.
smtp_fake_start() {
	[ -z "${SMTP_URL:-}" ] || return 0
	local port control i
	port=$(free_port)
	control=$(free_port)
	grep -q '^SMTP_FAKE_PASSWORD=' "$STATE/secrets.env" ||
		echo "SMTP_FAKE_PASSWORD=$(openssl rand -hex 16)" >>"$STATE/secrets.env"
	SMTP_FAKE_PASSWORD=$(sed -n 's/^SMTP_FAKE_PASSWORD=//p' "$STATE/secrets.env")
	(cd "$ROOT" && exec setsid /usr/bin/python3 -m tests.fakes.smtp_fake --port "$port" \
		--control-port "$control" --tls-dir "$STATE/smtp-tls" --user switchboard \
		--password "$SMTP_FAKE_PASSWORD" --maildir "$STATE/mail") \
		>>"$STATE/log/smtp-fake.log" 2>&1 </dev/null &
	echo $! >"$STATE/run/smtp-fake.pid"
	export SMTP_URL=smtp://127.0.0.1:$port SMTP_USER=switchboard
	export SMTP_PASSWORD=$SMTP_FAKE_PASSWORD SMTP_CA_FILE=$STATE/smtp-tls/ca.pem
	export SMTP_FROM=${SMTP_FROM:-noreply@switchboard.test}
	export MAIL_DOMAIN=${MAIL_DOMAIN:-switchboard.test}
	export SB_SMTP_FAKE_URL=http://127.0.0.1:$control
	# The first start makes the test CA's keys, which takes a few seconds.
	for i in $(seq 1 300); do
		curl -fsS -o /dev/null "$SB_SMTP_FAKE_URL/_fake/sessions" 2>/dev/null && return 0
		sleep 0.1
	done
	stack_die "the mail relay fake did not start (see $STATE/log/smtp-fake.log)"
}

# switchboard-fcgi makes its sockets writable by everyone; only nginx may reach the responders
# (a request sent straight to a socket would skip nginx's limits). The run directory is 0750
# already; each socket becomes 0660, in the group nginx's workers run in.
fcgi_socket_close() {
	local i sock
	for sock in "$FCGI_SOCKET" "$FCGI_HOOK_SOCKET"; do
		for i in $(seq 1 100); do
			[ -S "$sock" ] && break
			sleep 0.05
		done
		[ -S "$sock" ] || continue
		chmod 660 "$sock"
		chgrp "$(id -gn)" "$sock"
	done
}

# The machine's first name server, for nginx's look-ups of the providers' recording hosts.
name_server() {
	awk '$1 == "nameserver" { print ($2 ~ /:/ ? "[" $2 "]" : $2); exit }' /etc/resolv.conf \
		2>/dev/null | grep . || echo 127.0.0.1
}

# The server blocks of the rendered nginx.conf. nginx's body limit is the application's
# BODY_LIMIT. With TLS_CERT_FILE and TLS_KEY_FILE (production) the site is served on TLS_PORT
# (443) with HSTS, from site.conf, cut out of the config between its SITE marks, and plain http
# on HTTP_PORT, then on every address, redirects there. Without them (make run, make test) there
# is no TLS server and plain http on loopback serves the site.
nginx_tls_fill() {
	local conf=$STATE/nginx/nginx.conf site=$STATE/nginx/site.conf
	local limit=${BODY_LIMIT:-1048576} tls_port=${TLS_PORT:-443} https_port=""
	[[ $limit =~ ^[0-9]+$ ]] || stack_die "BODY_LIMIT is not a number of bytes: $limit"
	sed -i "s|@BODY_LIMIT@|$limit|g" "$conf"
	if [ -z "${TLS_CERT_FILE:-}" ]; then
		rm -f "$site"
		sed -i -e "s|@HTTP_LISTEN@|127.0.0.1:$HTTP_PORT|" -e '/#@HTTPS_REDIRECT@/d' \
			-e '/#@SITE_BEGIN@/d' -e '/#@SITE_END@/d' \
			-e '/#@TLS_BEGIN@/,/#@TLS_END@/d' "$conf"
		return 0
	fi
	if [ ! -r "$TLS_CERT_FILE" ] || [ ! -r "${TLS_KEY_FILE:-}" ]; then
		stack_die "TLS_CERT_FILE and TLS_KEY_FILE must name readable files"
	fi
	[[ $tls_port =~ ^[0-9]+$ ]] || stack_die "TLS_PORT is not a port: $tls_port"
	[ "$tls_port" = 443 ] || https_port=":$tls_port"
	sed -n '/#@SITE_BEGIN@/,/#@SITE_END@/{/#@SITE_/!p}' "$conf" >"$site"
	sed -i -e "s|@HTTP_LISTEN@|$HTTP_PORT|" -e '/#@SITE_BEGIN@/,/#@SITE_END@/d' \
		-e "s|#@HTTPS_REDIRECT@ \(.*\)@HTTPS_PORT@|\1$https_port|" \
		-e '/#@TLS_BEGIN@/d' -e '/#@TLS_END@/d' -e "s|@TLS_PORT@|$tls_port|" \
		-e "s|@TLS_CERT_FILE@|$TLS_CERT_FILE|" -e "s|@TLS_KEY_FILE@|$TLS_KEY_FILE|" "$conf"
}

nginx_start() {
	local user_line="" access_log="$STATE/log/nginx-access.log switchboard"
	# nginx's workers run as the user who owns the checkout, so they can read static/.
	[ "$(id -u)" -eq 0 ] && user_line="user root;"
	[ "${NGINX_ACCESS_LOG:-on}" = off ] && access_log=off
	sed -e "s|@USER_LINE@|$user_line|" -e "s|@STATE@|$STATE|g" -e "s|@ROOT@|$ROOT|g" \
		-e "s|@PORT@|$HTTP_PORT|g" -e "s|@FCGI_SOCKET@|$STATE/run/fcgi.sock|g" \
		-e "s|@VOICE_LISTEN@|127.0.0.1:$VOICE_PORT|g" -e "s|@ACCESS_LOG@|$access_log|g" \
		-e "s|@LOGIN_RATE@|${LOGIN_RATE:-10r/m}|g" -e "s|@LOGIN_BURST@|${LOGIN_BURST:-10}|g" \
		-e "s|@HOOK_RATE@|${HOOK_RATE:-100r/s}|g" -e "s|@HOOK_BURST@|${HOOK_BURST:-200}|g" \
		-e "s|@MEDIA_CONN@|${MEDIA_CONN:-2000}|g" \
		-e "s|@MEDIA_BROWSER_CONN@|${MEDIA_BROWSER_CONN:-20}|g" \
		-e "s|@RESOLVER@|${RESOLVER:-$(name_server)}|g" \
		"$ROOT/nginx/switchboard.conf.in" >"$STATE/nginx/nginx.conf"
	nginx_tls_fill
	nginx -q -t -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/log/nginx-error.log" 2>>"$STATE/log/nginx-error.log" ||
		stack_die "the nginx config does not load (see $STATE/log/nginx-error.log)"
	nginx -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/log/nginx-error.log" ||
		stack_die "could not start nginx (see $STATE/log/nginx-error.log)"
}

wait_ready() {
	local i
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" 2>/dev/null && return 0
		sleep 0.1
	done
	stack_die "Switchboard did not become ready on port $HTTP_PORT (see $STATE/log/)"
}

# True when pid is a live process whose command line contains word (a pid file written by an
# earlier run may name a process that has since ended, and its number may have been reused).
pid_is() {
	local pid=$1 word=$2 cmdline
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	[ -r "/proc/$pid/cmdline" ] || return 0
	cmdline=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
	[[ $cmdline == *"$word"* ]]
}

# Send TERM to the pid if it is still the named process, wait up to five seconds for it to
# end, then KILL its process group (a parent killed outright would leave its children).
process_stop() {
	local pid=$1 word=$2 i
	pid_is "$pid" "$word" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		pid_is "$pid" "$word" || return 0
		sleep 0.1
	done
	stack_log "$word did not stop within 5 s; killing it"
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# Stop whatever of the stack is running, front to back: nginx (no new requests), the programs,
# PostgreSQL. Safe to call at any time, twice, or when nothing runs; removes the pid files.
stack_stop() {
	local name pid
	[ -n "${STATE:-}" ] || return 0
	if [ -s "$STATE/nginx/nginx.pid" ]; then
		process_stop "$(cat "$STATE/nginx/nginx.pid" 2>/dev/null)" "$STATE/nginx/nginx.conf"
	fi
	rm -f "$STATE/nginx/nginx.pid"
	# TERM to all four first, so they stop side by side.
	for name in fcgi jobs voice live; do
		[ -s "$STATE/run/$name.pid" ] || continue
		pid=$(cat "$STATE/run/$name.pid" 2>/dev/null) || continue
		if pid_is "$pid" "switchboard-$name"; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for name in fcgi jobs voice live; do
		[ -s "$STATE/run/$name.pid" ] || continue
		process_stop "$(cat "$STATE/run/$name.pid" 2>/dev/null)" "switchboard-$name"
		rm -f "$STATE/run/$name.pid"
	done
	if [ -s "$STATE/run/smtp-fake.pid" ]; then
		process_stop "$(cat "$STATE/run/smtp-fake.pid" 2>/dev/null)" tests.fakes.smtp_fake
		rm -f "$STATE/run/smtp-fake.pid"
	fi
	pg_stop
	return 0
}

free_port() {
	# A port free now is free for anyone until its program binds it, so the kernel can hand the
	# same one out twice: the ports given out for this state directory are remembered and never
	# given again.
	python3 - "${STATE:+$STATE/ports-given}" <<'PY'
import socket, sys
path = sys.argv[1]
try:
    given = set(open(path).read().split()) if path else set()
except OSError:
    given = set()
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if str(port) not in given:
        break
if path:
    with open(path, "a") as f:
        f.write(f"{port}\n")
print(port)
PY
}
