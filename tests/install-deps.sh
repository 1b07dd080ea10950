#!/bin/sh
# Installs the Debian packages that the build and the tests need, when one is
# missing. Idempotent and quiet when everything is there already.
# clang + libclang-rt-dev: libFuzzer and clang's UBSan for the fuzzing
# harnesses (tests/fuzz/), whose corpus `make check` replays.
set -e
PKGS="build-essential pkg-config libutf8proc-dev libmsgpack-dev libjansson-dev
libopenblas-dev libdnnl-dev libcmocka-dev openmpi-bin libopenmpi-dev gnuplot-nox help2man
clang libclang-rt-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
