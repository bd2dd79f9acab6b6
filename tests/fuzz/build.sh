#!/usr/bin/env bash
# build.sh: build the libFuzzer harnesses of tests/fuzz/ into build/fuzz/, each with only the
# lib/ sources it needs, under AddressSanitizer and UBSan (any UBSan report is a crash).
#   tests/fuzz/build.sh [name ...]   (no name: every harness)
set -euo pipefail

cd "$(dirname "$0")/../.."
out=build/fuzz
mkdir -p "$out"

CC=${FUZZ_CC:-clang}
# shellcheck disable=SC2054 # the commas belong to -fsanitize's list
CFLAGS=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Ilib -Icgi
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Wall -Wextra -Wno-unused-parameter)

# What each harness links: the module it fuzzes and what that module includes.
declare -A sources=(
	[params]="lib/infra/params.c lib/infra/arena.c lib/infra/xalloc.c"
	[json_hooks]="lib/infra/json.c lib/provider/vapi.c lib/infra/arena.c lib/infra/xalloc.c
		lib/infra/buf.c lib/infra/crypto.c lib/infra/conf.c lib/infra/text.c lib/infra/log.c"
	[twilio_sig]="lib/provider/twilio.c lib/infra/params.c lib/infra/arena.c lib/infra/xalloc.c
		lib/infra/buf.c lib/infra/crypto.c lib/infra/conf.c lib/infra/log.c"
	[when]="lib/domain/when.c lib/domain/when_days.c lib/domain/when_words.c lib/domain/when_zone.c
		lib/infra/xalloc.c"
	[brain_words]="lib/domain/brain_slots.c lib/infra/arena.c lib/infra/xalloc.c"
	[twilio_media]="lib/provider/twilio_media.c lib/infra/json.c lib/infra/arena.c
		lib/infra/xalloc.c lib/infra/buf.c lib/infra/crypto.c lib/infra/conf.c
		lib/infra/log.c"
	[browser_frames]="lib/provider/browser_call.c lib/infra/json.c lib/infra/arena.c
		lib/infra/xalloc.c"
)
declare -A packages=(
	[json_hooks]="jansson openssl"
	[twilio_sig]="openssl"
	[when]="icu-i18n icu-uc"
	[brain_words]="icu-uc"
	[twilio_media]="jansson openssl"
	[browser_frames]="jansson"
)

names=("$@")
[ ${#names[@]} -gt 0 ] ||
	names=(params json_hooks twilio_sig when brain_words twilio_media browser_frames)

for name in "${names[@]}"; do
	if [ -z "${sources[$name]+set}" ]; then
		echo "build.sh: no harness named $name" >&2
		exit 2
	fi
	pkgs=${packages[$name]:-}
	cflags=() libs=()
	if [ -n "$pkgs" ]; then
		# shellcheck disable=SC2086 # one word per package
		read -ra cflags <<<"$(pkg-config --cflags $pkgs)"
		# shellcheck disable=SC2086
		read -ra libs <<<"$(pkg-config --libs $pkgs)"
	fi
	# shellcheck disable=SC2086
	"$CC" "${CFLAGS[@]}" "${cflags[@]}" -o "$out/fuzz_$name" "tests/fuzz/fuzz_$name.c" \
		${sources[$name]} "${libs[@]}" -lpthread
	echo "built $out/fuzz_$name"
done
