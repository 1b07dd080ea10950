#!/bin/sh
# device-setup.sh: the Debian libraries the build needs, for a GPU machine
# that has no Debian packages (only a compiler, make and the CUDA Toolkit).
#
#   scripts/device-setup.sh download
#       On a Debian 12 machine with apt (this one): `apt-get download`s the
#       .deb files (libutf8proc, libmsgpack-c, libjansson, libopenblas,
#       libcmocka, their -dev packages, libgfortran5, pkgconf) into
#       .deps/debs/ (git-ignored; carry it to the GPU machine).
#   scripts/device-setup.sh env
#       On the GPU machine: unpacks every .deb of .deps/debs/ into
#       .deps/root/ (once; `dpkg -x`, or `ar` + `tar` where there is no
#       dpkg), points its pkg-config files there, and prints the exports
#       (PATH, CPATH, LIBRARY_PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH):
#       eval "$(scripts/device-setup.sh env)"
#   scripts/device-setup.sh run COMMAND...
#       Both of the above in one: runs COMMAND in that environment, e.g.
#       scripts/device-setup.sh run make check-cuda REQUIRE_GPU=1
#
# With the device run tool: download here, then run with carry [".deps/debs"] (13 MB) and
# the command `scripts/device-setup.sh run make check-cuda REQUIRE_GPU=1`.
# Assumes an x86_64 glibc >= 2.36 machine (the packages are Debian 12's).
set -e
cd "$(dirname "$0")/.."
DEPS=$(pwd)/.deps
ROOT=$DEPS/root
ARCH=x86_64-linux-gnu
PKGS="libutf8proc2 libutf8proc-dev libmsgpackc2 libmsgpack-dev libjansson4 libjansson-dev
libopenblas0 libopenblas0-pthread libopenblas-dev libopenblas-pthread-dev libgfortran5
libcmocka0 libcmocka-dev pkgconf pkgconf-bin libpkgconf3"

die() { echo "device-setup: $*" >&2; exit 1; }

download() {
	command -v apt-get >/dev/null || die "apt-get not found: download on a Debian machine"
	mkdir -p "$DEPS/debs"
	cd "$DEPS/debs"
	# shellcheck disable=SC2086
	apt-get download $PKGS >/dev/null || die "apt-get download failed (try apt-get update)"
	echo "device-setup: $(ls ./*.deb | wc -l) packages in $DEPS/debs" >&2
}

unpack_one() { # deb
	if command -v dpkg-deb >/dev/null; then
		dpkg-deb -x "$1" "$ROOT"
		return
	fi
	member=$(ar t "$1" | grep '^data\.tar') || die "$1: no data.tar member"
	case $member in
	*.xz) ar p "$1" "$member" | xz -dc | tar -x -C "$ROOT" ;;
	*.zst) ar p "$1" "$member" | zstd -dc | tar -x -C "$ROOT" ;;
	*.gz) ar p "$1" "$member" | gzip -dc | tar -x -C "$ROOT" ;;
	*) ar p "$1" "$member" | tar -x -C "$ROOT" ;;
	esac
}

unpack() {
	[ -f "$ROOT/.done" ] && return
	ls "$DEPS"/debs/*.deb >/dev/null 2>&1 || die "no .deb files in $DEPS/debs: run '$0 download' on a Debian machine first"
	rm -rf "$ROOT"
	mkdir -p "$ROOT"
	for deb in "$DEPS"/debs/*.deb; do
		unpack_one "$deb"
	done
	# pkg-config files name /usr: point them into the unpacked tree
	find "$ROOT" -name '*.pc' -type f -exec sed -i "s|=/usr|=$ROOT/usr|g; s|-I/usr/|-I$ROOT/usr/|g; s|-L/usr/|-L$ROOT/usr/|g" {} +
	# Debian's alternatives links, which dpkg -x does not make
	ln -sf pkgconf "$ROOT/usr/bin/pkg-config"
	touch "$ROOT/.done"
}

print_env() {
	L=$ROOT/usr/lib/$ARCH
	echo "export PATH=\"\$PATH:$ROOT/usr/bin\""
	echo "export CPATH=\"$ROOT/usr/include:$ROOT/usr/include/$ARCH:$ROOT/usr/include/$ARCH/openblas-pthread\${CPATH:+:\$CPATH}\""
	echo "export LIBRARY_PATH=\"$L:$L/openblas-pthread\${LIBRARY_PATH:+:\$LIBRARY_PATH}\""
	echo "export LD_LIBRARY_PATH=\"$L:$L/openblas-pthread\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
	echo "export PKG_CONFIG_PATH=\"$L/pkgconfig:$L/openblas-pthread/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}\""
}

case ${1:-} in
download) download ;;
env) unpack; print_env ;;
run)
	shift
	[ $# -gt 0 ] || die "usage: $0 run COMMAND..."
	unpack
	eval "$(print_env)"
	exec "$@"
	;;
*) die "usage: $0 download | env | run COMMAND..." ;;
esac
