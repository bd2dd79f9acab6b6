#!/bin/sh
# check_templates.sh: fail unless every templates/*.tpl starts with the exact autoescape pragma line.
# Usage: tests/static/check_templates.sh [templates-dir]   (default: the repo's templates/)
set -u

dir=${1:-$(dirname "$0")/../../templates}
pragma='{{%AUTOESCAPE context="HTML"}}'
status=0
found=0

for tpl in "$dir"/*.tpl; do
	[ -e "$tpl" ] || continue
	found=$((found + 1))
	first=$(head -n 1 "$tpl")
	if [ "$first" != "$pragma" ]; then
		echo "FAIL $tpl: first line must be $pragma" >&2
		status=1
	fi
done

if [ "$found" -eq 0 ]; then
	echo "FAIL no templates found in $dir" >&2
	exit 1
fi
[ "$status" -eq 0 ] && echo "ok $found templates start with the autoescape pragma"
exit "$status"
