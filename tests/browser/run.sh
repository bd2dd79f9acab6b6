#!/usr/bin/env bash
# run.sh: drive Switchboard's pages in headless Chromium (playwright-core) against a running stack,
# and end with one line "browser: N passed, M failed". Exits non-zero when anything failed.
#   bash tests/browser/run.sh [file.test.mjs ...]   every *.test.mjs here, or only those files
#   SB_BASE_URL   the stack's address (nginx), e.g. http://127.0.0.1:8080
#   SB_DSN_OWNER  libpq DSN of the schema owner, to arrange data with psql
#   SB_OUTPUT     where screenshots/ and the TAP log go (default tests/output)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${SB_OUTPUT:-$HERE/../output}
mkdir -p "$OUT/screenshots"
export SB_OUTPUT=$OUT

report() {
	echo "browser: $1 passed, $2 failed"
	[ "$2" -eq 0 ] && [ "$1" -gt 0 ]
	exit
}

if [ -z "${SB_BASE_URL:-}" ] || [ -z "${SB_DSN_OWNER:-}" ]; then
	echo "run.sh: SB_BASE_URL and SB_DSN_OWNER must point at a running stack (scripts/test sets them)" >&2
	report 0 1
fi

if [ ! -d "$HERE/node_modules/playwright-core" ]; then
	(cd "$HERE" && npm install --no-audit --no-fund) >&2 || {
		echo "run.sh: npm install failed" >&2
		report 0 1
	}
fi

files=()
for f in "$@"; do
	files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
[ ${#files[@]} -gt 0 ] || files=("$HERE"/*.test.mjs)

# A file that says "// runs alone" disturbs the stack every page uses (it restarts a server):
# it runs after the others, by itself, so no other file's pages see the outage.
shared=() alone=()
for f in "${files[@]}"; do
	if grep -q '^// runs alone' "$f"; then alone+=("$f"); else shared+=("$f"); fi
done

tap=$OUT/browser.tap
rc=0
: >"$tap"
# Each file runs in a process of its own, two at a time: the machine has few cores to share.
# Each run's own totals end with its "# pass" and "# fail" lines, added up below.
if [ ${#shared[@]} -gt 0 ]; then
	(cd "$HERE" && node --test --test-reporter=tap --test-concurrency=2 "${shared[@]}") \
		>>"$tap" 2>&1 || rc=1
fi
if [ ${#alone[@]} -gt 0 ]; then
	(cd "$HERE" && node --test --test-reporter=tap --test-concurrency=1 "${alone[@]}") \
		>>"$tap" 2>&1 || rc=1
fi
# Show what failed, with the assertion's message, for the log scripts/test keeps.
# The error block runs from "error:" to the next field at its indent (code:, name: ...).
awk '/^ *not ok / { print; shown = 1; next }
	shown && /^ *error:/ { field = substr($0, 1, index($0, "e") - 1); inerr = 1; print; next }
	inerr && index($0, field) == 1 && substr($0, length(field) + 1, 1) ~ /[a-zA-Z.]/ {
		inerr = 0; shown = 0 }
	inerr { print }' "$tap" | head -n 120

# The run's totals count tests, not describe() groups (those count as suites).
total() { awk -v k="$1" '$1 == "#" && $2 == k && $3 ~ /^[0-9]+$/ && NF == 3 {n += $3} END {print n + 0}' "$tap"; }
passed=$(total pass)
failed=$(( $(total fail) + $(total cancelled) ))
# node exits non-zero on a file that crashed before reporting any test: count it as a failure.
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
report "$passed" "$failed"
