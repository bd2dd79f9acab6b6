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
	# A turn reaches most of lib/: the archive of all of it, of which the linker takes what
	# the brain needs (build/fuzz/libswitchboard-fuzz.a, below).
	[brain_turn]="$out/libswitchboard-fuzz.a"
)
declare -A packages=(
	[json_hooks]="jansson openssl"
	[twilio_sig]="openssl"
	[when]="icu-i18n icu-uc"
	[brain_words]="icu-uc"
	[twilio_media]="jansson openssl"
	[browser_frames]="jansson"
	[brain_turn]="libpq jansson libcurl openssl libjwt speexdsp icu-i18n icu-uc"
)
# Libraries without a pkg-config file: flite's voice, lexicon and language, in link order.
declare -A extra_libs=(
	[brain_turn]="-lflite_cmu_us_kal -lflite_usenglish -lflite_cmulex -lflite -lm"
)

names=("$@")
[ ${#names[@]} -gt 0 ] ||
	names=(params json_hooks twilio_sig when brain_words twilio_media browser_frames brain_turn)

# Every C source of lib/ under the fuzzer's instrumentation, in one archive; a source is compiled
# again when it or any header of lib/ is newer than its object. Speech recognition and synthesis
# on the machine (pocketsphinx) and the C++ templates are left out: no turn reaches them; the
# session's settings name the server's voice, so speech synthesis (flite) links.
lib_archive() {
	local objdir=$out/lib-obj archive=$out/libswitchboard-fuzz.a src obj changed=0 cflags=()
	local newest
	newest=$(find lib -name '*.h' -printf '%T@\n' | sort -n | tail -1)
	# shellcheck disable=SC2086
	read -ra cflags <<<"$(pkg-config --cflags ${packages[brain_turn]})"
	for src in lib/*/*.c; do
		[ "$src" != lib/audio/asr_local.c ] || continue
		obj=$objdir/${src%.c}.o
		mkdir -p "$(dirname "$obj")"
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
			[ "$(stat -c %Y "$obj")" -lt "${newest%.*}" ]; then
			"$CC" "${CFLAGS[@]}" "${cflags[@]}" -c -o "$obj" "$src"
			changed=1
		fi
	done
	if [ "$changed" = 1 ] || [ ! -f "$archive" ]; then
		rm -f "$archive"
		find "$objdir" -name '*.o' -print0 | xargs -0 ar rcs "$archive"
	fi
}

for name in "${names[@]}"; do
	[ "$name" != brain_turn ] || lib_archive
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
		${sources[$name]} "${libs[@]}" ${extra_libs[$name]:-} -lpthread
	echo "built $out/fuzz_$name"
done
