package pathfs

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fuzzPlaces are the (root, cwd) pairs FuzzResolve picks from.
var fuzzPlaces = []struct{ root, cwd string }{
	{"/", "/"},
	{"/", "/etc"},
	{"/", "/mnt/data/sub"},
	{"/", "/opt/new/dir"},
	{"/", "/mnt/data/sub/inner"},
	{"/jail", "/jail"},
	{"/jail", "/jail/etc"},
	{"/jail", "/etc"}, // cwd outside root
	{"/mnt/data", "/mnt/data/sub"},
}

// FuzzResolve resolves arbitrary paths over the test tree with bindings
// and glue, and checks that:
//   - errors are errno values;
//   - the guest path is clean, absolute and under root;
//   - the host path is inside the rootfs, a binding's host or the glue,
//     and is the host path of the guest path;
//   - resolving the guest path again gives the same paths;
//   - over the bare rootfs, the result reaches the same file as the
//     kernel's own walk (openat2(2) with RESOLVE_IN_ROOT), or fails alike.
func FuzzResolve(f *testing.F) {
	for _, p := range kernelPaths {
		f.Add(p, true, uint8(0))
	}
	for i, p := range []string{
		"/mnt/data/escape", "/mnt/data/up/etc", "/opt/new/dir/data/../../../new", "../inner/x",
		"/etc/resolv.conf", "/etc/host.conf/", "/etc/datalink/sub/inner/../..", "x/../../../..",
		"/jail/up/up", "/abs/../rel", "/mnt/data/datalink/", "////", "./././", "a\x00b",
		"/mnt/data/sub/inner/x/", "/srv/x/y.conf", "/lib/../lib/./../usr/lib/libc.so",
	} {
		f.Add(p, i%2 == 0, uint8(i))
	}

	tr := makeTree(f, f.TempDir())
	binds := append(tr.binds(false),
		Binding{Host: tr.host + "/file.conf", Guest: "/srv/x/y.conf"},
		Binding{Host: tr.host + "/datalink", Guest: "/etc/datadir"},
	)
	v := newView(f, tr.root, binds)
	bare := newView(f, tr.root, nil)
	rootFds := map[string]int{}
	for _, root := range []string{"/", "/jail"} {
		fd, err := unix.Open(filepath.Join(tr.root, root), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { unix.Close(fd) })
		rootFds[root] = fd
	}

	f.Fuzz(func(t *testing.T, p string, follow bool, where uint8) {
		place := fuzzPlaces[int(where)%len(fuzzPlaces)]
		root, cwd := place.root, place.cwd
		// Random bytes seldom spell a name of the tree: also walk the
		// path that p's bytes spell in fuzzWords.
		for _, p := range []string{p, spell(p)} {
			g, h, err := v.Resolve(root, cwd, p, follow)
			if err != nil {
				var errno unix.Errno
				if !errors.As(err, &errno) {
					t.Fatalf("Resolve(%q, %q, %q, %v): %v is not an errno", root, cwd, p, follow, err)
				}
			} else {
				checkResult(t, v, root, cwd, p, follow, g, h)
			}
			if fd, ok := rootFds[root]; ok {
				compareKernel(t, bare, fd, root, p, follow)
			}
		}
	})
}

// fuzzWords are the names of the fuzz tree and path punctuation.
var fuzzWords = []string{
	"/", "", ".", "..", "etc", "passwd", "link", "rel", "dirlink", "resolv.conf", "datalink",
	"slashlink", "a", "b", "c", "up", "usr", "lib", "libc.so", "loop", "loopa", "dangling",
	"run", "opt", "new", "dir", "mnt", "data", "sub", "inner", "x", "file.txt", "escape",
	"shadowed", "jail", "hostname", "abs", "host.conf", "srv", "y.conf", "datadir", "nope",
}

// spell joins the words that the bytes of p pick, with slashes.
func spell(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(fuzzWords[int(p[i])%len(fuzzWords)])
	}
	return b.String()
}

// checkResult checks the invariants of one successful Resolve.
func checkResult(t *testing.T, v *View, root, cwd, p string, follow bool, g, h string) {
	t.Helper()
	if !isCleanAbs(g) || !hasPathPrefix(g, root) {
		t.Fatalf("Resolve(%q, %q, %q, %v) = guest %q: not clean, absolute, under root", root, cwd, p, follow, g)
	}
	if !insideView(v, h) {
		t.Fatalf("Resolve(%q, %q, %q, %v) = host %q: outside the view", root, cwd, p, follow, h)
	}
	if want := v.hostPath(g); strings.TrimSuffix(h, "/") != strings.TrimSuffix(want, "/") {
		t.Fatalf("Resolve(%q, %q, %q, %v) = %q, %q; the guest path maps to %q", root, cwd, p, follow, g, h, want)
	}
	// The guest path, seen from root, resolves to itself.
	again := pathTail(g, root)
	if again == "" {
		again = "/"
	}
	g2, h2, err := v.Resolve(root, cwd, again, follow)
	if err != nil || g2 != g || h2 != strings.TrimSuffix(h, "/") && h2 != h {
		t.Fatalf("Resolve(%q, %q, %q, %v) = %q, %q; again with %q: %q, %q, %v",
			root, cwd, p, follow, g, h, again, g2, h2, err)
	}
}
