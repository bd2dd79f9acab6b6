#!/usr/bin/env bash
# check_layers.sh: fail when a source file in lib/, cgi/ or worker/ includes a header of a layer
# above it or beside it, or includes the brain's private header from outside the brain.
# Usage: tests/static/check_layers.sh [checkout]   (default: this checkout)
#
# The layers, lowest first: lib/infra, lib/audio, lib/provider, lib/domain. A lib/ file may
# include its own layer and those below it. cgi/ and worker/ may include any of lib/ and their
# own folder, never each other. domain/brain_engines.h belongs to lib/domain/brain*.[ch] only.
# An include "x.h" is looked up as the compiler does: beside the file, then in -Ilib, -Icgi.
set -u
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cd "$ROOT" || exit 1

# The rank of a lib/ path's layer in RANK (higher layers may include lower ones), -1 outside.
rank() {
	case $1 in
	lib/infra/*) RANK=0 ;;
	lib/audio/*) RANK=1 ;;
	lib/provider/*) RANK=2 ;;
	lib/domain/*) RANK=3 ;;
	*) RANK=-1 ;;
	esac
}

# Where an #include "name" in file resolves, relative to the checkout, in TARGET; empty when
# nowhere. Plain names are joined by hand: a process per include would make the check slow.
resolve() {
	local file=$1 name=$2 dir candidate
	TARGET=
	for dir in "${file%/*}" lib cgi; do
		case $name in
		*..* | /* | ./*) candidate=$(realpath -m --relative-to="$ROOT" "$dir/$name") ;;
		*) candidate=$dir/$name ;;
		esac
		[ -f "$candidate" ] && { TARGET=$candidate; return; }
	done
}

# Why file may not include target, in WHY; empty when it may.
violation() {
	local file=$1 target=$2 from
	WHY=
	case $target in
	lib/domain/brain_engines.h)
		case $file in
		lib/domain/brain*.c | lib/domain/brain*.h) ;;
		*) WHY="domain/brain_engines.h is private to lib/domain/brain*.[ch]"; return ;;
		esac ;;
	esac
	case $file in
	lib/*)
		case $target in
		lib/infra/* | lib/audio/* | lib/provider/* | lib/domain/*)
			rank "$file"; from=$RANK
			rank "$target"
			[ "$RANK" -le "$from" ] ||
				WHY="${file%/*} may not include the higher layer ${target%/*}" ;;
		*) WHY="lib/ may include only lib/infra, lib/audio, lib/provider, lib/domain" ;;
		esac ;;
	cgi/*)
		case $target in
		lib/infra/* | lib/audio/* | lib/provider/* | lib/domain/* | cgi/*) ;;
		worker/*) WHY="cgi/ may not include worker/" ;;
		*) WHY="cgi/ may include only lib/ and cgi/" ;;
		esac ;;
	worker/*)
		case $target in
		lib/infra/* | lib/audio/* | lib/provider/* | lib/domain/* | worker/*) ;;
		cgi/*) WHY="worker/ may not include cgi/" ;;
		*) WHY="worker/ may include only lib/ and worker/" ;;
		esac ;;
	esac
}

status=0
checked=0
while IFS= read -r -d '' file; do
	file=${file#./}
	checked=$((checked + 1))
	# "line name" for each #include "name" of the file.
	while read -r line name; do
		resolve "$file" "$name"
		if [ -z "$TARGET" ]; then
			echo "FAIL $file:$line: #include \"$name\": no such file here, in lib/ or cgi/"
			status=1
			continue
		fi
		violation "$file" "$TARGET"
		if [ -n "$WHY" ]; then
			echo "FAIL $file:$line: #include \"$name\": $WHY"
			status=1
		fi
	done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]+"/) {
			s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
			print FNR, s }' "$file")
done < <(find lib cgi worker -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print0 |
	sort -z)

[ "$status" -eq 0 ] && echo "ok the includes of $checked files in lib/, cgi/, worker/ point down"
exit "$status"
