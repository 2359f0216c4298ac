package pathfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// entryKind tells where an entry of a View comes from.
type entryKind uint8

const (
	kindRoot entryKind = iota // the rootfs, bound on "/"
	kindUser                  // a Binding given to NewView
	kindGlue                  // a directory of the glue tree
)

// entry is one binding of a View, with canonical host and guest paths.
type entry struct {
	host, guest string
	noDeref     bool
	kind        entryKind
}

// View is an immutable guest view of the file system: a rootfs and its
// bindings. Its methods are safe for concurrent use, except Close.
type View struct {
	root string // host path of the rootfs
	fs   FS
	osFS bool // fs is OS: the walker calls it without allocating

	entries []*entry // in insertion order
	byGuest []*entry // longest guest first; the "/" entry is last
	byHost  []*entry // longest host first
	exact   map[string]*entry
	lens    []uint64 // bit n set: some entry has a guest of n bytes

	glueDir string // host path of the glue tree, "" until needed

	links LinkHook // nil, or WithLinks's hook
}

// LinkHook reads a symlink under the host's /proc in a process's name.
// /proc answers each reader differently (/proc/self is the reader), so a
// tracer walking a path for a tracee must answer for the tracee. ok false
// falls back to readlink(2); ErrOpaque says the link has no path to
// follow (pipe:[N], socket:[N]), and the walk stops at it.
type LinkHook func(host string) (target string, ok bool, err error)

// ErrOpaque is what a LinkHook returns for a link the walk cannot go
// through but the kernel can: Resolve returns the link's own host path if
// it is the last component, ENOTDIR otherwise.
var ErrOpaque = errors.New("pathfs: opaque link")

// WithLinks returns a view that is v, except that the targets of symlinks
// under /proc come from hook. The two share their glue tree: Close only
// one.
func (v *View) WithLinks(hook LinkHook) *View {
	w := *v
	w.links = hook
	return &w
}

// NewView builds a view. root is the host path of the guest rootfs: it
// must exist and be a directory, and is made absolute and resolved with
// filepath.EvalSymlinks. fs is nil for OS{}.
//
// Bindings are applied in order, and a later binding on the same guest path
// replaces an earlier one ("only the last binding is active", PRoot).
// Each binding's Host must exist and is resolved on the host; its Guest is
// canonicalized in the view built so far (symlinks followed inside the
// guest), except its last component when NoDeref is set. An empty Guest
// means Guest == Host; a relative one is relative to the guest "/".
//
// When a guest location has ancestors missing from the view, NewView
// creates them as empty directories in a glue tree (a temporary directory
// "gproot-glue-*" under os.TempDir(), holding only empty directories and
// files) and binds them, so that listing the missing parent shows the
// binding's name. Close removes the glue tree.
func NewView(root string, binds []Binding, fs FS) (*View, error) {
	if fs == nil {
		fs = OS{}
	}
	hostRoot, err := sanitizeHost(root)
	if err != nil {
		return nil, fmt.Errorf("can't sanitize rootfs %q: %w", root, err)
	}
	fi, err := os.Stat(hostRoot)
	if err != nil {
		return nil, fmt.Errorf("can't sanitize rootfs %q: %w", root, errnoOf(err))
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("can't sanitize rootfs %q: %w", root, unix.ENOTDIR)
	}
	v := &View{root: hostRoot, fs: fs}
	switch fs.(type) {
	case OS, *OS:
		v.osFS = true
	}
	v.add(&entry{host: hostRoot, guest: "/", kind: kindRoot})
	for _, b := range binds {
		if err := v.bind(b); err != nil {
			v.Close()
			return nil, err
		}
	}
	return v, nil
}

// sanitizeHost makes p absolute and resolves its symlinks on the host.
func sanitizeHost(p string) (string, error) {
	if p == "" {
		return "", unix.ENOENT
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", errnoOf(err)
	}
	return real, nil
}

// errnoOf returns the errno inside err, or err: "no such file or
// directory" reads better than "lstat /x: no such file or directory" after
// the caller names the path.
func errnoOf(err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// bind canonicalizes b in the view built so far and adds it.
func (v *View) bind(b Binding) error {
	host, err := sanitizeHost(b.Host)
	if err != nil {
		return fmt.Errorf("can't sanitize binding %q: %w", b.Host, err)
	}
	fi, err := os.Lstat(host)
	if err != nil {
		return fmt.Errorf("can't sanitize binding %q: %w", b.Host, errnoOf(err))
	}
	guest := b.Guest
	if guest == "" {
		guest, _ = filepath.Abs(b.Host) // sanitizeHost succeeded on it
	}

	w := getWalker(v)
	defer putWalker(w)
	w.lenient = true
	if _, err := w.walk("/", "/", guest, !b.NoDeref); err != nil {
		return fmt.Errorf("can't sanitize binding %q: guest path %q: %w", b.Host, guest, err)
	}
	g := string(w.g)
	if w.missing >= 0 {
		if err := v.glue(g, g[:w.missing], fi.IsDir()); err != nil {
			return fmt.Errorf("can't build glue for binding %q: %w", b.Host, err)
		}
	} else if err := v.glueEntry(g, fi.IsDir()); err != nil {
		return fmt.Errorf("can't build glue for binding %q: %w", b.Host, err)
	}
	v.add(&entry{host: host, guest: g, noDeref: b.NoDeref, kind: kindUser})
	return nil
}

// add inserts e, replacing any entry on the same guest path, and rebuilds
// the lookup tables. Views hold a handful of bindings, so rebuilding is
// cheaper than keeping the tables sorted incrementally.
func (v *View) add(e *entry) {
	v.entries = slices.DeleteFunc(v.entries, func(o *entry) bool { return o.guest == e.guest })
	v.entries = append(v.entries, e)

	v.byGuest = slices.Clone(v.entries)
	slices.SortStableFunc(v.byGuest, func(a, b *entry) int { return len(b.guest) - len(a.guest) })
	// For a host path bound twice, the binding given first wins.
	v.byHost = slices.Clone(v.entries)
	slices.SortStableFunc(v.byHost, func(a, b *entry) int { return len(b.host) - len(a.host) })

	v.exact = make(map[string]*entry, len(v.entries))
	maxLen := 0
	for _, e := range v.entries {
		v.exact[e.guest] = e
		maxLen = max(maxLen, len(e.guest))
	}
	v.lens = make([]uint64, maxLen/64+1)
	for _, e := range v.entries {
		v.lens[len(e.guest)/64] |= 1 << (len(e.guest) % 64)
	}
}

// bound returns the entry whose guest path is exactly g, if any.
func (v *View) bound(g []byte) *entry {
	n := len(g)
	if n/64 >= len(v.lens) || v.lens[n/64]&(1<<(n%64)) == 0 {
		return nil
	}
	return v.exact[string(g)]
}

// owner returns the most specific entry whose guest path contains the
// clean absolute guest path g. The "/" entry contains every path.
func owner[S ~string | ~[]byte](v *View, g S) *entry {
	for _, e := range v.byGuest {
		if hasPathPrefix(g, e.guest) {
			return e
		}
	}
	panic("pathfs: view without a \"/\" entry")
}

// hostPath returns the host path of the clean absolute guest path g.
func (v *View) hostPath(g string) string {
	e := owner(v, g)
	return string(appendJoin(nil, e.host, pathTail(g, e.guest)))
}

// Close removes the glue tree, if any. The view must not be used after.
func (v *View) Close() error {
	if v.glueDir == "" {
		return nil
	}
	err := os.RemoveAll(v.glueDir)
	v.glueDir = ""
	return err
}

// Root returns the host path of the rootfs.
func (v *View) Root() string { return v.root }

// Bindings returns the effective bindings, most specific guest path first:
// the canonical form of those given to NewView that no later one replaced,
// and those of the glue tree. The rootfs is not listed.
func (v *View) Bindings() []Binding {
	bs := make([]Binding, 0, len(v.byGuest))
	for _, e := range v.byGuest {
		if e.kind != kindRoot {
			bs = append(bs, Binding{Host: e.host, Guest: e.guest, NoDeref: e.noDeref})
		}
	}
	return bs
}
