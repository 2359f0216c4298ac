#!/bin/sh
# demo.sh shows what a newcomer gets: JuNest's flow on an image made from
# the Debian test rootfs (setup, a package installed under fake root,
# run, a wrapper), then gproot itself on the rootfs. As root, everything
# runs as uid 65534 through setpriv, as a user without privileges would.
#
#   usage: testdata/demo.sh BINDIR ROOTFS DEBS   (make demo passes them)
set -eu
bindir=$1 rootfs=$2 debs=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/gproot-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
as= who="$(id -un)"
if [ "$(id -u)" = 0 ]; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	who="uid 65534 (via setpriv)"
fi
cp "$bindir/junest" "$bindir/gproot" "$work/"
mkdir "$work/home"
cp "$debs"/hello_*.deb "$work/home/"
echo "== making a JuNest image of $rootfs"
tar -C "$rootfs" --exclude=./dev/* --exclude=./.complete -czf "$work/junest-x86_64.tar.gz" .
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$work"
export HOME="$work/home" JUNEST_HOME="$work/home/.junest"
fail=0
run() {
	printf '\n$'
	for a in "$@"; do
		case $a in *[!A-Za-z0-9_./=:-]*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	echo
	(cd "$HOME" && $as "$@") || { echo "(exit status $?)"; fail=1; }
}
echo "== running as $who, JUNEST_HOME=$JUNEST_HOME"
run "$work/junest" setup -i "$work/junest-x86_64.tar.gz"
run "$work/junest" proot -f -- apt-get install -y ./"$(basename "$debs"/hello_*.deb)"
run "$work/junest" proot -- hello
run "$work/junest" proot -f -b "-k 3.10" -- sh -c 'id; uname -r'
run "$work/junest" -- sh -c 'echo "ns backend: uid $(id -u), kernel $(uname -r)"'
run "$JUNEST_HOME/usr/bin_wrappers/hello" --greeting="Hello from a wrapper on the host"
run "$work/gproot" -R "$rootfs" sh -c 'cat /etc/debian_version; ls /'
exit $fail
