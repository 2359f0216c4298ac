package pathfs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNewViewErrors(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	for _, tc := range []struct {
		name  string
		root  string
		binds []Binding
		want  string // substring of the error
	}{
		{name: "missing rootfs", root: tr.root + "/nope", want: "no such file or directory"},
		{name: "rootfs is a file", root: tr.root + "/etc/passwd", want: "not a directory"},
		{name: "empty rootfs", root: "", want: "can't sanitize rootfs"},
		{
			name:  "missing host",
			root:  tr.root,
			binds: []Binding{{Host: "/nonexistent-gproot", Guest: "/x"}},
			want:  `can't sanitize binding "/nonexistent-gproot": no such file or directory`,
		},
		{
			name:  "empty host",
			root:  tr.root,
			binds: []Binding{{Guest: "/x"}},
			want:  `can't sanitize binding ""`,
		},
		{
			name:  "guest under a file",
			root:  tr.root,
			binds: []Binding{{Host: tr.host + "/data", Guest: "/etc/passwd/x"}},
			want:  "not a directory",
		},
		{
			name:  "guest in a symlink loop",
			root:  tr.root,
			binds: []Binding{{Host: tr.host + "/data", Guest: "/loop/x"}},
			want:  "too many levels of symbolic links",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewView(tc.root, tc.binds, nil)
			if err == nil {
				v.Close()
				t.Fatalf("NewView succeeded; want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewView: %v; want error containing %q", err, tc.want)
			}
		})
	}
}

func TestViewBindings(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	for _, tc := range []struct {
		name  string
		root  string // relative to the tree; "" is the rootfs
		binds []Binding
		want  []Binding // {host} and {glue} expanded
	}{
		{
			name: "canonical and most specific first",
			binds: []Binding{
				{Host: tr.host + "/data", Guest: "/mnt/data"},
				{Host: tr.host + "/inner", Guest: "/mnt/data/sub/inner"},
				{Host: tr.host + "/datalink", Guest: "/lib/d"},
				{Host: tr.host + "/file.conf", Guest: "/etc/resolv.conf", NoDeref: true},
				{Host: tr.host + "/resolv", Guest: "/etc/dirlink"},
			},
			want: []Binding{
				{Host: "{host}/inner", Guest: "/mnt/data/sub/inner"},
				{Host: "{host}/file.conf", Guest: "/etc/resolv.conf", NoDeref: true},
				{Host: "{host}/data", Guest: "/usr/lib/d"},
				{Host: "{host}/data", Guest: "/mnt/data"},
				{Host: "{host}/resolv", Guest: "/usr/lib"},
			},
		},
		{
			name: "last binding on a guest path wins",
			binds: []Binding{
				{Host: tr.host + "/data", Guest: "/mnt/x"},
				{Host: tr.host + "/inner", Guest: "/mnt/./x/"},
			},
			want: []Binding{{Host: "{host}/inner", Guest: "/mnt/x"}},
		},
		{
			name:  "empty guest is host",
			binds: []Binding{{Host: tr.host + "/data/"}},
			want: []Binding{
				{Host: "{host}/data", Guest: tr.host + "/data"},
				{Host: "{glue}" + firstMissing(tr.root, tr.host), Guest: firstMissing(tr.root, tr.host)},
			},
		},
		{
			name:  "relative guest is under /",
			binds: []Binding{{Host: tr.host + "/data", Guest: "mnt/../run/d"}},
			want:  []Binding{{Host: "{host}/data", Guest: "/run/d"}},
		},
		{
			name:  "binding on / replaces the rootfs",
			binds: []Binding{{Host: tr.root + "/jail", Guest: "/"}},
			want:  []Binding{{Host: tr.root + "/jail", Guest: "/"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newView(t, tr.root, tc.binds)
			want := slices.Clone(tc.want)
			for i := range want {
				want[i].Host = tr.expand(v, want[i].Host)
			}
			slices.SortStableFunc(want, func(a, b Binding) int { return len(b.Guest) - len(a.Guest) })
			if got := v.Bindings(); !slices.Equal(got, want) {
				t.Errorf("Bindings() =\n\t%v\nwant\n\t%v", got, want)
			}
			if v.Root() != tr.root {
				t.Errorf("Root() = %q; want %q", v.Root(), tr.root)
			}
		})
	}
}

// firstMissing returns the first ancestor of the host path p that the
// rootfs lacks, as a guest path.
func firstMissing(rootfs, p string) string {
	for i := 1; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if _, err := os.Lstat(rootfs + p[:i]); err != nil {
				return p[:i]
			}
		}
	}
	return p
}

func TestViewRootSymlink(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	link := filepath.Join(t.TempDir(), "rootlink")
	if err := os.Symlink(tr.root, link); err != nil {
		t.Fatal(err)
	}
	v := newView(t, link, nil)
	if v.Root() != tr.root {
		t.Fatalf("Root() = %q; want %q", v.Root(), tr.root)
	}
	if _, h, err := v.Resolve("/", "/", "/etc/passwd", true); err != nil || h != tr.root+"/etc/passwd" {
		t.Fatalf("Resolve = %q, %v", h, err)
	}
}

func TestGlue(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	binds := append(tr.binds(false),
		Binding{Host: tr.host + "/file.conf", Guest: "/srv/x/y.conf"},
		Binding{Host: tr.host + "/inner", Guest: "/opt/new/other"},
		Binding{Host: tr.host + "/inner", Guest: "/dangling/in"},      // glue at /nonexistent
		Binding{Host: tr.host + "/inner", Guest: "/opt/new/deeper/z"}, // grows the /opt/new glue
	)
	v, err := NewView(tr.root, binds, nil)
	if err != nil {
		t.Fatal(err)
	}
	glue := v.glueDir
	if glue == "" || !strings.HasPrefix(filepath.Base(glue), "gproot-glue-") {
		t.Fatalf("glue dir = %q", glue)
	}
	for _, tc := range []struct {
		dir   string // guest directory that must be glue
		names []string
		dirs  []bool
	}{
		{dir: "/opt/new", names: []string{"deeper", "dir", "other"}, dirs: []bool{true, true, true}},
		{dir: "/opt/new/deeper", names: []string{"z"}, dirs: []bool{true}},
		{dir: "/opt/new/dir", names: []string{"data"}, dirs: []bool{true}},
		{dir: "/srv", names: []string{"x"}, dirs: []bool{true}},
		{dir: "/srv/x", names: []string{"y.conf"}, dirs: []bool{false}},
		{dir: "/nonexistent", names: []string{"in"}, dirs: []bool{true}},
	} {
		t.Run("ls "+tc.dir, func(t *testing.T) {
			g, h, err := v.Resolve("/", "/", tc.dir, true)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.dir, err)
			}
			if g != tc.dir || !hasPathPrefix(h, glue) {
				t.Fatalf("Resolve(%q) = %q, %q; want it in the glue %q", tc.dir, g, h, glue)
			}
			ents, err := os.ReadDir(h)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var dirs []bool
			for _, e := range ents {
				names = append(names, e.Name())
				dirs = append(dirs, e.IsDir())
			}
			if !slices.Equal(names, tc.names) || !slices.Equal(dirs, tc.dirs) {
				t.Errorf("ls %s = %v (dirs %v); want %v (dirs %v)", tc.dir, names, dirs, tc.names, tc.dirs)
			}
		})
	}
	t.Run("one glue binding per missing subtree", func(t *testing.T) {
		var got []string
		for _, b := range v.Bindings() {
			if hasPathPrefix(b.Host, glue) {
				got = append(got, b.Guest)
			}
		}
		slices.Sort(got)
		if want := []string{"/nonexistent", "/opt/new", "/srv"}; !slices.Equal(got, want) {
			t.Errorf("glue bindings on %v; want %v", got, want)
		}
	})
	t.Run("bindings win over glue", func(t *testing.T) {
		for p, want := range map[string]string{
			"/srv/x/y.conf":       tr.host + "/file.conf",
			"/opt/new/other/x":    tr.host + "/inner/x",
			"/dangling/in/x":      tr.host + "/inner/x",
			"/opt/new/dir/data/":  tr.host + "/data/",
			"/opt/new/deeper/z/x": tr.host + "/inner/x",
		} {
			if _, h, err := v.Resolve("/", "/", p, true); err != nil || h != want {
				t.Errorf("Resolve(%q) = %q, %v; want %q", p, h, err, want)
			}
		}
	})
	t.Run("glue holds no executable", func(t *testing.T) {
		err := filepath.WalkDir(glue, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if !d.IsDir() && (fi.Mode()&0o111 != 0 || fi.Size() != 0) {
				t.Errorf("glue file %s: mode %v, %d bytes", p, fi.Mode(), fi.Size())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("close removes glue", func(t *testing.T) {
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(glue); !os.IsNotExist(err) {
			t.Fatalf("glue dir after Close: %v", err)
		}
		if err := v.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestNoGlueWhenNotNeeded(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, []Binding{
		{Host: tr.host + "/data", Guest: "/mnt/data"},
		{Host: tr.host + "/inner", Guest: "/etc/newdir"}, // missing last component only
	})
	if v.glueDir != "" {
		t.Fatalf("glue dir %q created for bindings with existing parents", v.glueDir)
	}
}

func TestHostToGuest(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, tr.binds(false))

	// Round trips: the host path of an existing file maps back to its
	// canonical guest path.
	for _, p := range []string{
		"/", "/etc", "/etc/passwd", "/etc/link", "/lib/libc.so", "/mnt", "/mnt/data/sub/inner/x",
		"/mnt/data/sub", "/etc/host.conf", "/opt/new", "/opt/new/dir", "/etc/resolv.conf", "/jail/abs",
	} {
		for _, follow := range []bool{false, true} {
			name := p
			if follow {
				name += " followed"
			}
			t.Run("round trip "+name, func(t *testing.T) {
				g, h, err := v.Resolve("/", "/", p, follow)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Lstat(h); err != nil {
					t.Fatalf("host path of %q: %v", p, err)
				}
				if got, ok := v.HostToGuest(h); !ok || got != g {
					t.Errorf("HostToGuest(%q) = %q, %v; want %q", h, got, ok, g)
				}
			})
		}
	}

	t.Run("most specific host", func(t *testing.T) {
		v := newView(t, tr.root, []Binding{{Host: tr.root + "/etc", Guest: "/hostetc"}})
		if g, ok := v.HostToGuest(tr.root + "/etc/passwd"); !ok || g != "/hostetc/passwd" {
			t.Errorf("HostToGuest = %q, %v; want /hostetc/passwd", g, ok)
		}
		if g, ok := v.HostToGuest(tr.root + "/etcx"); !ok || g != "/etcx" {
			t.Errorf("HostToGuest = %q, %v; want /etcx", g, ok)
		}
	})

	for _, tc := range []struct {
		name  string
		host  string
		guest string // "" means not visible
	}{
		{name: "rootfs", host: "{root}", guest: "/"},
		{name: "unclean", host: "{root}//etc/./passwd/", guest: "/etc/passwd"},
		{name: "binding host", host: "{host}/inner", guest: "/mnt/data/sub/inner"},
		{name: "first binding of a host", host: "{host}/data/sub", guest: "/mnt/data/sub"},
		{name: "hidden in one binding, seen in another", host: "{host}/data/sub/inner", guest: "/opt/new/dir/data/sub/inner"},
		{name: "file binding", host: "{host}/file.conf", guest: "/etc/host.conf"},
		{name: "glue", host: "{glue}/opt/new/dir", guest: "/opt/new/dir"},
		{name: "shadowed by a binding", host: "{root}/mnt/data/shadowed"},
		{name: "outside every tree", host: "/proc/self"},
		{name: "prefix but not a path prefix", host: "{root}x/etc"},
		{name: "relative", host: "etc/passwd"},
		{name: "empty", host: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tr.expand(v, tc.host)
			g, ok := v.HostToGuest(h)
			if ok != (tc.guest != "") || g != tc.guest {
				t.Errorf("HostToGuest(%q) = %q, %v; want %q, %v", h, g, ok, tc.guest, tc.guest != "")
			}
		})
	}
}
