#!/usr/bin/env bash
# check_libcurl.sh: fail when libcurl is used outside its two doors: HTTP goes through
# lib/infra/webclient.c (http and https only) and mail through lib/infra/smtp.c (smtp and smtps
# only, TLS required). Any other file of lib/, cgi/ or worker/ that includes <curl/curl.h> or
# calls curl_ directly, or a door that allows another protocol, fails the check.
# Usage: tests/static/check_libcurl.sh [checkout]   (default: this checkout)
set -u
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cd "$ROOT" || exit 1

status=0
while IFS= read -r file; do
	case $file in
	lib/infra/webclient.c | lib/infra/smtp.c) ;;
	*)
		echo "$file: libcurl is used only by lib/infra/webclient.c (HTTP) and lib/infra/smtp.c (mail)"
		status=1 ;;
	esac
done < <(grep -rlE '#include[[:space:]]*<curl/|\bcurl_[a-z_]+\(' lib cgi worker --include='*.c' \
	--include='*.h' --include='*.cc' | sort)

# Each door speaks only its own protocols.
want() {
	local file=$1 pattern=$2 why=$3
	if ! grep -q -- "$pattern" "$file"; then
		echo "$file: $why"
		status=1
	fi
}
want lib/infra/webclient.c 'CURLOPT_PROTOCOLS_STR, "http,https"' "must allow http and https only"
want lib/infra/smtp.c 'CURLOPT_PROTOCOLS_STR, "smtp,smtps"' "must allow smtp and smtps only"
want lib/infra/smtp.c 'CURLUSESSL_ALL' "must require TLS (CURLUSESSL_ALL), never send mail in clear"
if grep -q 'CURLUSESSL_TRY\|SSL_VERIFYPEER, 0\|SSL_VERIFYHOST, 0' lib/infra/smtp.c; then
	echo "lib/infra/smtp.c: TLS must be required and verified"
	status=1
fi

[ "$status" -eq 0 ] && echo "ok libcurl is used only by webclient (HTTP) and smtp (mail)"
exit "$status"
