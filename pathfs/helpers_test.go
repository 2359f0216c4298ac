package pathfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// tree is a test layout on the host: a rootfs and the host sides of
// bindings, both under one temporary directory.
type tree struct {
	root string // rootfs
	host string // directory holding the bindings' host sides
}

// node describes one file of a test tree: a directory (name ends in "/"),
// a symlink (link != ""), or a regular file.
type node struct {
	name string
	link string
}

// rootfsNodes is the test rootfs. /jail is a chroot target, /mnt/data
// is shadowed by a binding.
var rootfsNodes = []node{
	{name: "etc/"},
	{name: "etc/passwd"},
	{name: "etc/link", link: "/etc/passwd"},
	{name: "etc/rel", link: "passwd"},
	{name: "etc/dirlink", link: "/usr/lib"},
	{name: "etc/resolv.conf", link: "/run/resolv.conf"},
	{name: "etc/datalink", link: "/mnt/data"},
	{name: "etc/slashlink", link: "passwd/"},
	{name: "a/b/c/"},
	{name: "a/up", link: "../../../.."},
	{name: "usr/lib/"},
	{name: "usr/lib/libc.so"},
	{name: "lib", link: "usr/lib"},
	{name: "loop", link: "loop"},
	{name: "loopa", link: "loopb"},
	{name: "loopb", link: "loopa"},
	{name: "dangling", link: "/nonexistent"},
	{name: "run/"},
	{name: "opt/"},
	{name: "mnt/data/shadowed"},
	{name: "jail/etc/hostname"},
	{name: "jail/abs", link: "/etc"},
	{name: "jail/up", link: "../../.."},
	{name: "jail/rel", link: "etc/hostname"},
}

// hostNodes are the host sides of the test bindings.
var hostNodes = []node{
	{name: "data/file.txt"},
	{name: "data/sub/"},
	{name: "data/escape", link: "/etc/passwd"},
	{name: "data/up", link: "../../../../../../.."},
	{name: "inner/x"},
	{name: "file.conf"},
	{name: "resolv"},
	{name: "datalink", link: "data"},
}

// makeTree builds rootfsNodes and hostNodes under dir.
func makeTree(t testing.TB, dir string) tree {
	t.Helper()
	tr := tree{root: filepath.Join(dir, "rootfs"), host: filepath.Join(dir, "host")}
	build(t, tr.root, rootfsNodes)
	build(t, tr.host, hostNodes)
	return tr
}

func build(t testing.TB, base string, nodes []node) {
	t.Helper()
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		p := filepath.Join(base, n.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(n.name, "/"):
			err = os.MkdirAll(p, 0o755)
		case n.link != "":
			err = os.Symlink(n.link, p)
		default:
			err = os.WriteFile(p, []byte(n.name), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// binds returns the bindings of the test view: a directory, a nested
// directory, a file, one that needs glue, and the resolv.conf case with
// noDeref as given.
func (tr tree) binds(noDeref bool) []Binding {
	return []Binding{
		{Host: tr.host + "/data", Guest: "/mnt/data"},
		{Host: tr.host + "/inner", Guest: "/mnt/data/sub/inner"},
		{Host: tr.host + "/file.conf", Guest: "/etc/host.conf"},
		{Host: tr.host + "/data", Guest: "/opt/new/dir/data"},
		{Host: tr.host + "/resolv", Guest: "/etc/resolv.conf", NoDeref: noDeref},
	}
}

// newView builds a view over tr and closes it with the test.
func newView(t testing.TB, root string, binds []Binding) *View {
	t.Helper()
	v, err := NewView(root, binds, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Error(err)
		}
	})
	return v
}

// expand replaces {root}, {host} and {glue} in s.
func (tr tree) expand(v *View, s string) string {
	return strings.NewReplacer("{root}", tr.root, "{host}", tr.host, "{glue}", v.glueDir).Replace(s)
}

// errName names an error for test messages, errno values by their symbol.
func errName(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		if n := unix.ErrnoName(errno); n != "" {
			return n
		}
	}
	return fmt.Sprint(err)
}

// insideView reports whether the host path h lies in the rootfs, a
// binding's host or the glue tree of v.
func insideView(v *View, h string) bool {
	h = strings.TrimSuffix(h, "/")
	if h == "" {
		h = "/"
	}
	if hasPathPrefix(h, v.Root()) {
		return true
	}
	for _, b := range v.Bindings() {
		if hasPathPrefix(h, b.Host) {
			return true
		}
	}
	return false
}
