#!/bin/sh
# mkpkgs.sh prints the path of a local pacman repository ("junest-local",
# with junest-local.db) for the junest build tests, building it first if the cache has
# none for this recipe (the key is the hash of this file):
#   junest-base   pacman and sh with the libraries they need, copied from
#                 the host's (Debian's pacman-package-manager), so that an
#                 image made of it can run pacman
#   hello-junest, extra-junest   two one-script packages
# It runs makepkg (as uid 65534 when run as root: makepkg refuses root)
# and repo-add. Cached like the rootfs (testdata/mkrootfs.sh).
#
#   usage: testdata/mkpkgs.sh
set -eu
self=$(readlink -f "$0")
key=$(sha256sum "$self" | cut -c1-12)
if [ -z "${GPROOT_CACHE:-}" ]; then
	if [ "$(id -u)" = 0 ]; then GPROOT_CACHE=/var/cache/gproot; else GPROOT_CACHE=$HOME/.cache/gproot; fi
fi
dest=$GPROOT_CACHE/pkgs-$key
if [ -f "$dest/junest-local.db" ]; then
	echo "$dest"
	exit 0
fi
for tool in makepkg repo-add pacman fakeroot bsdtar zstd; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "mkpkgs: $tool is missing: install it with 'apt-get install makepkg pacman-package-manager fakeroot libarchive-tools zstd'" >&2
		exit 1
	fi
done
mkdir -p "$GPROOT_CACHE"
tmp=$(mktemp -d "$GPROOT_CACHE/.pkgs-$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
as=
if [ "$(id -u)" = 0 ]; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chown 65534:65534 "$tmp"
fi

# pkgbuild NAME DESCRIPTION PACKAGE-BODY: a PKGBUILD in $tmp/build/NAME.
pkgbuild() {
	$as mkdir -p "$tmp/build/$1"
	$as sh -c 'cat > "$1"' sh "$tmp/build/$1/PKGBUILD" <<PKG
pkgname=$1
pkgver=1.0
pkgrel=1
pkgdesc="$2"
arch=(x86_64)
license=(GPL)
options=(!strip !debug)
package() {
	cd "\$pkgdir"
$3
}
PKG
}

pkgbuild junest-base "pacman and sh for a JuNest test image" '
	mkdir -p usr/bin usr/lib/x86_64-linux-gnu usr/lib64 etc tmp proc sys dev run home root
	chmod 1777 tmp
	ln -s usr/bin bin
	ln -s usr/bin sbin
	ln -s usr/lib lib
	ln -s usr/lib64 lib64
	cp -L /usr/bin/pacman usr/bin/pacman
	cp -L /bin/dash usr/bin/sh
	for lib in $(ldd /usr/bin/pacman /bin/dash | awk "/=>/ {print \$3}" | sort -u); do
		cp -L "$lib" usr/lib/x86_64-linux-gnu/
	done
	cp -L /lib64/ld-linux-x86-64.so.2 usr/lib64/'

for p in hello extra; do
	pkgbuild $p-junest "a one-line $p program" "
	mkdir -p usr/bin
	printf '#!/bin/sh\necho \"$p from a junest test package\"\n' > usr/bin/$p-junest
	chmod 755 usr/bin/$p-junest"
done

$as mkdir "$tmp/repo"
for p in junest-base hello-junest extra-junest; do
	(cd "$tmp/build/$p" && $as env PKGDEST="$tmp/repo" SRCDEST="$tmp/build/$p" BUILDDIR="$tmp/build/$p/work" \
		PKGEXT=.pkg.tar.zst makepkg --nodeps --noconfirm >"$tmp/build/$p.log" 2>&1) || {
		echo "mkpkgs: makepkg of $p failed; last lines of its log:" >&2
		tail -n 20 "$tmp/build/$p.log" >&2
		exit 1
	}
done
$as sh -c 'cd "$1" && repo-add -q junest-local.db.tar.gz ./*.pkg.tar.zst' sh "$tmp/repo" >/dev/null
# repo-add makes local.db a symlink to junest-local.db.tar.gz: that is the repository.
rm -rf "$dest"
mv "$tmp/repo" "$dest"
echo "$dest"
