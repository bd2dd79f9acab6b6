#!/usr/bin/env bash
# run.sh: the static checks of the sources, each one test, ending with one line
# "static: N passed, M failed". Exits non-zero when any failed. No server is needed.
#   tests/static/run.sh [check.sh ...]   every check, or only those
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

CHECKS=(check_layers.sh check_cycles.sh check_templates.sh check_lines.sh check_libcurl.sh)
[ $# -eq 0 ] || CHECKS=("$@")

passed=0
failed=0
for check in "${CHECKS[@]}"; do
	case $check in
	*/*) script=$check ;;
	*) script=$HERE/$check ;;
	esac
	if bash "$script"; then
		passed=$((passed + 1))
	else
		echo "static: $(basename "$script") failed"
		failed=$((failed + 1))
	fi
done
echo "static: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
