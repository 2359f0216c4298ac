#!/bin/sh
# mkrootfs.sh prints the path of a Debian bookworm minbase rootfs, building it
# first if the cache has none for this recipe. The cache key is the hash of
# this file, so editing the recipe below rebuilds the rootfs.
#
#   usage: testdata/mkrootfs.sh   (as root: debootstrap needs it)
#
# The rootfs lives under $GPROOT_CACHE/rootfs-KEY and is made world-readable
# so that unprivileged test users can use it. GPROOT_CACHE defaults to
# ~/.cache/gproot, except for root, whose home is mode 0700 and out of reach
# of the unprivileged user the tests run gproot as: /var/cache/gproot.
set -eu
SUITE=bookworm
VARIANT=minbase
INCLUDE=ca-certificates
MIRROR=${GPROOT_MIRROR:-http://deb.debian.org/debian}

self=$(readlink -f "$0")
key=$(sha256sum "$self" | cut -c1-12)
if [ -z "${GPROOT_CACHE:-}" ]; then
	if [ "$(id -u)" = 0 ]; then GPROOT_CACHE=/var/cache/gproot; else GPROOT_CACHE=$HOME/.cache/gproot; fi
fi
cache=$GPROOT_CACHE
dest=$cache/rootfs-$key
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	echo "mkrootfs: debootstrap is missing: install it with 'apt-get install debootstrap' (as root)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "mkrootfs: building the Debian rootfs needs root (debootstrap); run 'sudo $0' once, later runs reuse $cache" >&2
	exit 1
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.rootfs-$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "mkrootfs: debootstrap --variant=$VARIANT $SUITE into $tmp (a few minutes, once)" >&2
debootstrap --variant=$VARIANT --include=$INCLUDE $SUITE "$tmp" "$MIRROR" >"$tmp.log" 2>&1 || {
	echo "mkrootfs: debootstrap failed; last lines of its log:" >&2
	tail -n 20 "$tmp.log" >&2
	rm -f "$tmp.log"
	exit 1
}
rm -f "$tmp.log"
# Make the tree usable by an unprivileged user: everything readable, every
# directory searchable (debootstrap leaves a few root-only entries).
chmod -R a+rX "$tmp"
chmod 755 "$tmp"
touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "$dest"
