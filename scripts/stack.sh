# stack.sh: start and stop Switchboard's servers; sourced by scripts/run, scripts/test and the
# benchmarks. Everything lives under one state directory:
#   $STATE/pg/data      PostgreSQL cluster (owned by the postgres user; unix socket only)
#   $STATE/pg/sock      its socket directory
#   $STATE/run          FastCGI socket, pid files
#   $STATE/nginx        nginx config and temp files
#   $STATE/log          every server's log
# Callers set STATE, HTTP_PORT, VOICE_PORT and MODE (run or test) first.

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
	# The postgres user must reach the cluster; when the project sits somewhere it cannot
	# (a home directory), keep the cluster in a directory of its own and link to it.
	if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
		local elsewhere
		elsewhere=/var/tmp/switchboard-pg-$(printf '%s' "$STATE" | md5sum | cut -c1-12)
		mkdir -p "$elsewhere"
		[ -L "$STATE/pg" ] || { rm -rf "$STATE/pg"; ln -s "$elsewhere" "$STATE/pg"; }
		chown postgres: "$elsewhere"
	fi
	mkdir -p "$STATE/pg/sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$STATE/pg" "$STATE/pg/sock"
		chmod 755 "$STATE/log"
		touch "$STATE/log/postgresql.log"
		chown postgres: "$STATE/log/postgresql.log"
	fi
	PG_SOCK=$(cd "$STATE/pg/sock" && pwd -P)
}

pg_start() {
	pg_dir_prepare
	if [ ! -s "$STATE/pg/data/PG_VERSION" ]; then
		as_postgres "$PG_BIN/initdb" -D "$STATE/pg/data" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 >"$STATE/log/initdb.log" 2>&1 ||
			stack_die "could not create the database cluster (see $STATE/log/initdb.log)"
	fi
	# Unix socket only: nothing else on the machine can reach this cluster, and no port clashes.
	as_postgres "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -l "$STATE/log/postgresql.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_SOCK -c fsync=${PG_FSYNC:-on} -c max_connections=200 -c jit=off" \
		start >/dev/null || stack_die "could not start PostgreSQL (see $STATE/log/postgresql.log)"
	PG_SUPER="host=$PG_SOCK dbname=postgres user=postgres"
	DSN_OWNER="host=$PG_SOCK dbname=switchboard user=switchboard_owner"
	DSN_APP="host=$PG_SOCK dbname=switchboard user=switchboard_app"
	export PG_SOCK DSN_OWNER DSN_APP
	psql -X -q -v ON_ERROR_STOP=1 "$PG_SUPER" >/dev/null <<-'SQL' || stack_die "could not create the database roles"
		SELECT 'CREATE ROLE switchboard_owner LOGIN'
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'switchboard_owner') \gexec
		SELECT 'CREATE ROLE switchboard_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'switchboard_app') \gexec
		SELECT 'CREATE DATABASE switchboard OWNER switchboard_owner'
		WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'switchboard') \gexec
	SQL
}

pg_stop() {
	[ -n "${STATE:-}" ] && [ -s "$STATE/pg/data/postmaster.pid" ] &&
		as_postgres "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null 2>&1
	return 0
}

# Apply every sql/NNN_*.sql not yet recorded, each in one transaction with its record.
migrate() {
	psql -X -q -v ON_ERROR_STOP=1 "$DSN_OWNER" >/dev/null <<-'SQL' || stack_die "could not create schema_migrations"
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version text PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		);
		GRANT SELECT ON schema_migrations TO switchboard_app;
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
		umask 022
	fi
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

programs_start() {
	secrets_load
	export DATABASE_URL=$DSN_APP
	export FCGI_SOCKET=$STATE/run/fcgi.sock
	export TEMPLATE_DIR=$ROOT/templates
	export VOICE_LISTEN=127.0.0.1:$VOICE_PORT
	export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$HTTP_PORT}
	"$BIN/switchboard-fcgi" >>"$STATE/log/fcgi.log" 2>&1 &
	echo $! >"$STATE/run/fcgi.pid"
	STACK_PIDS+=($!)
	"$BIN/switchboard-jobs" >>"$STATE/log/jobs.log" 2>&1 &
	echo $! >"$STATE/run/jobs.pid"
	STACK_PIDS+=($!)
	"$BIN/switchboard-voice" >>"$STATE/log/voice.log" 2>&1 &
	echo $! >"$STATE/run/voice.pid"
	STACK_PIDS+=($!)
}

nginx_start() {
	local user_line="" access_log="$STATE/log/nginx-access.log"
	# nginx's workers run as the user who owns the checkout, so they can read static/.
	[ "$(id -u)" -eq 0 ] && user_line="user root;"
	[ "${NGINX_ACCESS_LOG:-on}" = off ] && access_log=off
	sed -e "s|@USER_LINE@|$user_line|" -e "s|@STATE@|$STATE|g" -e "s|@ROOT@|$ROOT|g" \
		-e "s|@PORT@|$HTTP_PORT|g" -e "s|@FCGI_SOCKET@|$STATE/run/fcgi.sock|g" \
		-e "s|@VOICE_LISTEN@|127.0.0.1:$VOICE_PORT|g" -e "s|@ACCESS_LOG@|$access_log|g" \
		-e "s|@LOGIN_RATE@|${LOGIN_RATE:-10r/m}|g" -e "s|@LOGIN_BURST@|${LOGIN_BURST:-10}|g" \
		-e "s|@HOOK_RATE@|${HOOK_RATE:-100r/s}|g" -e "s|@HOOK_BURST@|${HOOK_BURST:-200}|g" \
		-e "s|@MEDIA_CONN@|${MEDIA_CONN:-20}|g" \
		"$ROOT/nginx/switchboard.conf.in" >"$STATE/nginx/nginx.conf"
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

stack_stop() {
	[ -s "$STATE/nginx/nginx.pid" ] && kill "$(cat "$STATE/nginx/nginx.pid")" 2>/dev/null
	local name pid
	for name in fcgi jobs voice; do
		[ -s "$STATE/run/$name.pid" ] || continue
		pid=$(cat "$STATE/run/$name.pid")
		kill "$pid" 2>/dev/null
	done
	for name in fcgi jobs voice; do
		[ -s "$STATE/run/$name.pid" ] || continue
		pid=$(cat "$STATE/run/$name.pid")
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$STATE/run/$name.pid"
	done
	pg_stop
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
