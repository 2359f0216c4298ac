#!/bin/sh
# mkdebs.sh prints the path of a directory of Debian bookworm packages for
# the fake-root tests: hello (no dependencies beyond libc) and jq with the
# libraries it depends on, plus a Packages index (dpkg-scanpackages), so
# that the directory is a local apt repository ("deb [trusted=yes]
# file:DIR ./"). Cached like the rootfs (testdata/mkrootfs.sh), keyed by
# the hash of this file. The packages are fetched with apt-get using a
# private configuration (the host's own sources are not used), so any host
# with apt and the Debian archive keyring can build it, as any user.
#
#   usage: testdata/mkdebs.sh
set -eu
SUITE=bookworm
PACKAGES="hello jq libjq1 libonig5"
MIRROR=${GPROOT_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

self=$(readlink -f "$0")
key=$(sha256sum "$self" | cut -c1-12)
if [ -z "${GPROOT_CACHE:-}" ]; then
	if [ "$(id -u)" = 0 ]; then GPROOT_CACHE=/var/cache/gproot; else GPROOT_CACHE=$HOME/.cache/gproot; fi
fi
dest=$GPROOT_CACHE/debs-$key
if [ -f "$dest/Packages" ]; then
	echo "$dest"
	exit 0
fi
for tool in apt-get dpkg-scanpackages; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "mkdebs: $tool is missing: install it with 'apt-get install apt dpkg-dev'" >&2
		exit 1
	fi
done
if [ ! -r "$KEYRING" ]; then
	echo "mkdebs: $KEYRING is missing: install it with 'apt-get install debian-archive-keyring'" >&2
	exit 1
fi
mkdir -p "$GPROOT_CACHE"
tmp=$(mktemp -d "$GPROOT_CACHE/.debs-$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/apt/etc/preferences.d" "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/repo"
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" >"$tmp/apt/etc/sources.list"
touch "$tmp/apt/status"
conf="-o Dir::Etc=$tmp/apt/etc -o Dir::Etc::SourceParts=$tmp/apt/etc/none -o Dir::State::Lists=$tmp/apt/lists
	-o Dir::State::status=$tmp/apt/status -o Dir::Cache=$tmp/apt/cache -o APT::Architecture=amd64
	-o APT::Sandbox::User=$(id -un) -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get $conf -q update >"$tmp/log" 2>&1 && (cd "$tmp/repo" && apt-get $conf -q download $PACKAGES) >>"$tmp/log" 2>&1 || {
	echo "mkdebs: apt-get failed; last lines of its log:" >&2
	tail -n 20 "$tmp/log" >&2
	exit 1
}
(cd "$tmp/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null)
chmod -R a+rX "$tmp/repo"
rm -rf "$dest"
mv "$tmp/repo" "$dest"
echo "$dest"
