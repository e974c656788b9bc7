#!/bin/sh
# Install the Debian packages Sluice builds, tests and demos with; only the
# missing ones, and quietly when nothing is missing. Root or sudo.
set -eu

PKGS="build-essential pkg-config libwebsockets-dev libcjson-dev check \
libseccomp-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libpq-dev \
postgresql python3-websockets python3-aiosmtpd procps openssl strace \
nodejs chromium"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
# The console's build takes its npm packages with npm: Debian's own, unless
# the nodejs installed already carries one.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root or sudo to install:$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
