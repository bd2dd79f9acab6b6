#!/usr/bin/env bash
# check_lines.sh: fail when a .c, .h or .cc file in lib/, cgi/ or worker/ is over 800 lines (a
# file that long is doing two jobs).
# Usage: tests/static/check_lines.sh [checkout]   (default: this checkout)
set -u
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cd "$ROOT" || exit 1
MAX=800

long=$(find lib cgi worker -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print0 |
	sort -z | xargs -0 wc -l |
	awk -v max=$MAX '$2 != "total" && $1 > max { print $2 ": " $1 " lines" }')
if [ -z "$long" ]; then
	echo "ok no file in lib/, cgi/, worker/ is over $MAX lines"
	exit 0
fi
sed "s/^/FAIL /; s/\$/ (over $MAX)/" <<<"$long"
exit 1
