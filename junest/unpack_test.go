package junest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"golang.org/x/sys/unix"
)

// testEntry is one entry of a tar archive built by a test.
type testEntry struct {
	name         string
	typ          byte
	mode         int64
	body         []byte
	link         string
	mtime        time.Time
	pax          map[string]string
	major, minor int64
}

// testMtime is the default modification time of test entries (whole
// seconds: ustar keeps no more).
var testMtime = time.Unix(1_600_000_000, 0)

func tDir(name string, mode int64) testEntry {
	return testEntry{name: name, typ: tar.TypeDir, mode: mode}
}

func tFile(name string, mode int64, body string) testEntry {
	return testEntry{name: name, typ: tar.TypeReg, mode: mode, body: []byte(body)}
}

func tSymlink(name, target string) testEntry {
	return testEntry{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}

func tHardlink(name, target string) testEntry {
	return testEntry{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}

func tFifo(name string, mode int64) testEntry {
	return testEntry{name: name, typ: tar.TypeFifo, mode: mode}
}

func (e testEntry) at(t time.Time) testEntry { e.mtime = t; return e }

// makeTar writes the entries as an uncompressed tar archive, owned by the
// user running the test.
func makeTar(t testing.TB, entries []testEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		mt := e.mtime
		if mt.IsZero() {
			mt = testMtime
		}
		h := &tar.Header{
			Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, ModTime: mt,
			Uid: os.Getuid(), Gid: os.Getgid(), Devmajor: e.major, Devminor: e.minor,
			PAXRecords: e.pax,
		}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if len(e.pax) > 0 {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %s: %v", e.name, err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write(e.body); err != nil {
				t.Fatalf("tar body %s: %v", e.name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compressAs compresses data with gzip, zstd, xz or not at all ("tar").
func compressAs(t testing.TB, kind string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch kind {
	case "tar":
		return data
	case "gzip":
		z := gzip.NewWriter(&buf)
		if _, err = z.Write(data); err == nil {
			err = z.Close()
		}
	case "zstd":
		var z *zstd.Encoder
		if z, err = zstd.NewWriter(&buf); err == nil {
			if _, err = z.Write(data); err == nil {
				err = z.Close()
			}
		}
	case "xz":
		var z *xz.Writer
		if z, err = xz.NewWriter(&buf); err == nil {
			if _, err = z.Write(data); err == nil {
				err = z.Close()
			}
		}
	default:
		t.Fatalf("unknown compression %q", kind)
	}
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return buf.Bytes()
}

// randomBytes is n bytes that do not compress, the same on every run.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'j', 'u', 'n', 'e', 's', 't'}).Read(b)
	return b
}

// tempDir is t.TempDir whose content is made writable again before the
// testing package removes it, so that read-only directories an image made
// do not fail the cleanup of a normal user.
func tempDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	t.Cleanup(func() { makeWritable(d) })
	return d
}

func makeWritable(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
}

// snapshot describes every file under root (root included, skip and what
// is under it excluded): type, mode, inode, link count, and content or
// link target. Two equal snapshots mean nothing was added, removed or
// changed.
func snapshot(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return nil
			}
			return err
		}
		if skip != "" && (p == skip || strings.HasPrefix(p, skip+"/")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		desc := fmt.Sprintf("mode=%o ino=%d nlink=%d", st.Mode, st.Ino, st.Nlink)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + l
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" content=%q", b)
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", root, err)
	}
	return out
}

func diffSnapshots(before, after map[string]string) string {
	var d []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			d = append(d, "removed "+k)
		} else if w != v {
			d = append(d, fmt.Sprintf("changed %s: %s => %s", k, v, w))
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			d = append(d, "added "+k+": "+after[k])
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// listTree lists the paths under dir, relative, sorted.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestUnpackFormats(t *testing.T) {
	t1 := time.Unix(1_500_000_000, 0)
	t2 := time.Unix(1_500_000_100, 0)
	t3 := time.Unix(1_500_000_200, 0)
	t4 := time.Unix(1_500_000_300, 0)
	t5 := time.Unix(1_500_000_400, 0)
	t6 := time.Unix(1_500_000_500, 0)
	entries := []testEntry{
		tDir("tree/", 0o750).at(t1),
		tFile("tree/file", 0o755, "hello\n").at(t2),
		tFile("tree/suid", 0o4755, "#!/bin/sh\n").at(t3),
		tSymlink("tree/link", "file").at(t4),
		tHardlink("tree/hard", "tree/file"),
		tFifo("tree/fifo", 0o640).at(t5),
		tSymlink("tree/abs", "/nonexistent/junest-test-target").at(t6),
		tDir("tree/sub/", 0o700).at(t6),
		tFile("tree/sub/deep", 0o600, "deep").at(t6),
		tFile("./top", 0o644, "").at(t1),
	}
	type want struct {
		path    string
		mode    os.FileMode
		content string
		link    string
		mtime   time.Time
	}
	wants := []want{
		{path: "top", mode: 0o644, mtime: t1},
		{path: "tree", mode: os.ModeDir | 0o750, mtime: t1},
		{path: "tree/abs", mode: os.ModeSymlink | 0o777, link: "/nonexistent/junest-test-target", mtime: t6},
		{path: "tree/fifo", mode: os.ModeNamedPipe | 0o640, mtime: t5},
		{path: "tree/file", mode: 0o755, content: "hello\n", mtime: t2},
		{path: "tree/hard", mode: 0o755, content: "hello\n", mtime: t2},
		{path: "tree/link", mode: os.ModeSymlink | 0o777, link: "file", mtime: t4},
		{path: "tree/sub", mode: os.ModeDir | 0o700, mtime: t6},
		{path: "tree/sub/deep", mode: 0o600, content: "deep", mtime: t6},
		{path: "tree/suid", mode: os.ModeSetuid | 0o755, content: "#!/bin/sh\n", mtime: t3},
	}
	var wantPaths []string
	for _, w := range wants {
		wantPaths = append(wantPaths, w.path)
	}
	raw := makeTar(t, entries)
	for _, kind := range []string{"gzip", "zstd", "xz", "tar"} {
		t.Run(kind, func(t *testing.T) {
			dest := tempDir(t)
			st, err := Unpack(context.Background(), bytes.NewReader(compressAs(t, kind, raw)), dest)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if want := (UnpackStats{Entries: len(entries)}); st != want {
				t.Errorf("stats = %+v, want %+v", st, want)
			}
			if got := listTree(t, dest); strings.Join(got, ",") != strings.Join(wantPaths, ",") {
				t.Errorf("tree = %q, want %q", got, wantPaths)
			}
			for _, w := range wants {
				p := filepath.Join(dest, w.path)
				fi, err := os.Lstat(p)
				if err != nil {
					t.Errorf("%s: %v", w.path, err)
					continue
				}
				if fi.Mode() != w.mode {
					t.Errorf("%s: mode %v, want %v", w.path, fi.Mode(), w.mode)
				}
				if !fi.ModTime().Equal(w.mtime) {
					t.Errorf("%s: mtime %v, want %v", w.path, fi.ModTime(), w.mtime)
				}
				switch {
				case w.link != "":
					if l, err := os.Readlink(p); err != nil || l != w.link {
						t.Errorf("%s: link %q (%v), want %q", w.path, l, err, w.link)
					}
				case fi.Mode().IsRegular():
					if b, err := os.ReadFile(p); err != nil || string(b) != w.content {
						t.Errorf("%s: content %q (%v), want %q", w.path, b, err, w.content)
					}
				}
			}
			a, err1 := os.Stat(filepath.Join(dest, "tree/file"))
			b, err2 := os.Stat(filepath.Join(dest, "tree/hard"))
			if err1 != nil || err2 != nil {
				t.Fatalf("stat hard link: %v %v", err1, err2)
			}
			if !os.SameFile(a, b) {
				t.Errorf("tree/hard is not the same inode as tree/file")
			}
			if n := a.Sys().(*syscall.Stat_t).Nlink; n != 2 {
				t.Errorf("tree/file has %d links, want 2", n)
			}
		})
	}
}

func TestUnpackReadOnlyDirs(t *testing.T) {
	tests := []struct {
		name    string
		entries []testEntry
	}{
		{"dir entries first", []testEntry{
			tDir("ro/", 0o555),
			tFile("ro/f", 0o444, "f"),
			tDir("ro/sub/", 0o555),
			tFile("ro/sub/g", 0o644, "g"),
			tHardlink("ro/sub/h", "ro/f"),
		}},
		{"dir entries last", []testEntry{
			tFile("ro/f", 0o444, "f"),
			tFile("ro/sub/g", 0o644, "g"),
			tHardlink("ro/sub/h", "ro/f"),
			tDir("ro/sub/", 0o555),
			tDir("ro/", 0o555),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := tempDir(t)
			if _, err := Unpack(context.Background(), bytes.NewReader(compressAs(t, "gzip", makeTar(t, tt.entries))), dest); err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			checks := map[string]os.FileMode{
				"ro":       os.ModeDir | 0o555,
				"ro/sub":   os.ModeDir | 0o555,
				"ro/f":     0o444,
				"ro/sub/g": 0o644,
				"ro/sub/h": 0o444,
			}
			for p, mode := range checks {
				fi, err := os.Lstat(filepath.Join(dest, p))
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if fi.Mode() != mode {
					t.Errorf("%s: mode %v, want %v", p, fi.Mode(), mode)
				}
				if !fi.ModTime().Equal(testMtime) {
					t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), testMtime)
				}
			}
			for p, content := range map[string]string{"ro/f": "f", "ro/sub/g": "g", "ro/sub/h": "f"} {
				if b, err := os.ReadFile(filepath.Join(dest, p)); err != nil || string(b) != content {
					t.Errorf("%s: %q (%v), want %q", p, b, err, content)
				}
			}
		})
	}
}

func TestUnpackReplacesEarlierEntries(t *testing.T) {
	tests := []struct {
		name    string
		entries []testEntry
		check   func(t *testing.T, dest string)
	}{
		{
			name:    "file over file",
			entries: []testEntry{tFile("x", 0o644, "one"), tFile("x", 0o600, "two")},
			check: func(t *testing.T, dest string) {
				wantFile(t, filepath.Join(dest, "x"), 0o600, "two")
			},
		},
		{
			name:    "file over symlink does not write through it",
			entries: []testEntry{tFile("target", 0o644, "keep"), tSymlink("l", "target"), tFile("l", 0o644, "new")},
			check: func(t *testing.T, dest string) {
				wantFile(t, filepath.Join(dest, "target"), 0o644, "keep")
				wantFile(t, filepath.Join(dest, "l"), 0o644, "new")
			},
		},
		{
			name:    "dir over symlink",
			entries: []testEntry{tSymlink("d", "elsewhere"), tDir("d/", 0o755), tFile("d/f", 0o644, "in")},
			check: func(t *testing.T, dest string) {
				if fi, err := os.Lstat(filepath.Join(dest, "d")); err != nil || fi.Mode() != os.ModeDir|0o755 {
					t.Errorf("d: %v %v, want a directory 0755", fi, err)
				}
				wantFile(t, filepath.Join(dest, "d/f"), 0o644, "in")
			},
		},
		{
			name:    "dir entry twice keeps its files",
			entries: []testEntry{tDir("d/", 0o755), tFile("d/f", 0o644, "in"), tDir("d/", 0o700)},
			check: func(t *testing.T, dest string) {
				if fi, err := os.Lstat(filepath.Join(dest, "d")); err != nil || fi.Mode() != os.ModeDir|0o700 {
					t.Errorf("d: %v %v, want a directory 0700", fi, err)
				}
				wantFile(t, filepath.Join(dest, "d/f"), 0o644, "in")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := tempDir(t)
			st, err := Unpack(context.Background(), bytes.NewReader(makeTar(t, tt.entries)), dest)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if st.Entries != len(tt.entries) {
				t.Errorf("Entries = %d, want %d", st.Entries, len(tt.entries))
			}
			tt.check(t, dest)
		})
	}
}

func wantFile(t *testing.T, p string, mode os.FileMode, content string) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return
	}
	if fi.Mode() != mode {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode(), mode)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != content {
		t.Errorf("%s: content %q (%v), want %q", p, b, err, content)
	}
}

func TestUnpackDevicesAndXattrs(t *testing.T) {
	dest := tempDir(t)
	entries := []testEntry{
		{name: "null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
		{name: "attr", typ: tar.TypeReg, mode: 0o644, body: []byte("x"), pax: map[string]string{"SCHILY.xattr.user.junest": "value"}},
	}
	st, err := Unpack(context.Background(), bytes.NewReader(makeTar(t, entries)), dest)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	fi, err := os.Lstat(filepath.Join(dest, "null"))
	switch {
	case err == nil:
		// mknod(2) was allowed: a real device.
		if st.Devices != 0 {
			t.Errorf("Devices = %d with the device made", st.Devices)
		}
		if fi.Mode() != os.ModeDevice|os.ModeCharDevice|0o666 {
			t.Errorf("null: mode %v", fi.Mode())
		}
		if rdev := fi.Sys().(*syscall.Stat_t).Rdev; unix.Major(rdev) != 1 || unix.Minor(rdev) != 3 {
			t.Errorf("null: device %d,%d, want 1,3", unix.Major(rdev), unix.Minor(rdev))
		}
	case os.IsNotExist(err):
		// Without CAP_MKNOD the device is counted, not made.
		if st.Devices != 1 {
			t.Errorf("null not made but Devices = %d", st.Devices)
		}
	default:
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(filepath.Join(dest, "attr"), "user.junest", buf)
	switch {
	case err == nil:
		if string(buf[:n]) != "value" || st.Xattrs != 0 {
			t.Errorf("xattr user.junest = %q, Xattrs = %d; want \"value\", 0", buf[:n], st.Xattrs)
		}
	case st.Xattrs != 1:
		t.Errorf("xattr not set (%v) but Xattrs = %d, want 1", err, st.Xattrs)
	}
	if st.Entries != 2 || st.Owners != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestUnpackRefusals checks that entries that would leave the destination
// fail the unpacking and create nothing outside it. The destination is
// base/a/b/dest; base/a/b/x and base/outside/secret are outside files an
// escaping entry could reach.
func TestUnpackRefusals(t *testing.T) {
	tests := []struct {
		name    string
		entries func(outside string) []testEntry
		wantErr string
	}{
		{"dot-dot entry", func(string) []testEntry {
			return []testEntry{tFile("ok", 0o644, "ok"), tFile("../evil", 0o644, "evil")}
		}, "outside the destination"},
		{"absolute dot-dot entry", func(string) []testEntry {
			return []testEntry{tFile("/../../evil", 0o644, "evil")}
		}, "outside the destination"},
		{"dot-dot inside a path", func(string) []testEntry {
			return []testEntry{tDir("d/", 0o755), tFile("d/../../evil", 0o644, "evil")}
		}, "outside the destination"},
		{"dot-dot directory", func(string) []testEntry {
			return []testEntry{tDir("../evildir/", 0o755)}
		}, "outside the destination"},
		{"dot-dot symlink entry", func(string) []testEntry {
			return []testEntry{tSymlink("../evil", "/")}
		}, "outside the destination"},
		{"through an absolute symlink to an outside dir", func(outside string) []testEntry {
			return []testEntry{tSymlink("link", outside), tFile("link/evil", 0o644, "evil")}
		}, `goes through the symlink "link"`},
		{"through a relative symlink to an outside dir", func(string) []testEntry {
			return []testEntry{tSymlink("link", "../../../outside"), tFile("link/evil", 0o644, "evil")}
		}, `goes through the symlink "link"`},
		{"through a symlink to the root", func(string) []testEntry {
			// The entry is deeper than anything the test user may write
			// in /, and refused before any write.
			return []testEntry{tSymlink("link", "/"), tFile("link/nonexistent-junest-test/evil", 0o644, "evil")}
		}, `goes through the symlink "link"`},
		{"directory through a symlink", func(outside string) []testEntry {
			return []testEntry{tDir("d/", 0o755), tSymlink("d/link", outside), tDir("d/link/sub/", 0o755)}
		}, `goes through the symlink "d/link"`},
		{"symlink through a symlink", func(outside string) []testEntry {
			return []testEntry{tSymlink("link", outside), tSymlink("link/l2", "/")}
		}, `goes through the symlink "link"`},
		{"fifo through a symlink", func(outside string) []testEntry {
			return []testEntry{tSymlink("link", outside), tFifo("link/fifo", 0o644)}
		}, `goes through the symlink "link"`},
		{"hard link to dot-dot", func(string) []testEntry {
			return []testEntry{tHardlink("h", "../x")}
		}, "outside the destination"},
		{"hard link to absolute dot-dot", func(string) []testEntry {
			return []testEntry{tHardlink("h", "/../x")}
		}, "outside the destination"},
		{"hard link through a symlink", func(outside string) []testEntry {
			return []testEntry{tSymlink("link", outside), tHardlink("h", "link/secret")}
		}, `goes through the symlink "link"`},
		{"hard link to a dot-dot path inside", func(string) []testEntry {
			return []testEntry{tDir("d/", 0o755), tHardlink("h", "d/../../x")}
		}, "outside the destination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tempDir(t)
			dest := filepath.Join(base, "a", "b", "dest")
			outside := filepath.Join(base, "outside")
			for _, d := range []string{dest, outside} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range []string{filepath.Join(base, "a", "b", "x"), filepath.Join(outside, "secret")} {
				if err := os.WriteFile(f, []byte("outside"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, base, dest)
			_, err := Unpack(context.Background(), bytes.NewReader(compressAs(t, "gzip", makeTar(t, tt.entries(outside)))), dest)
			if err == nil {
				t.Fatalf("Unpack succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if d := diffSnapshots(before, snapshot(t, base, dest)); d != "" {
				t.Errorf("files outside the destination changed:\n%s", d)
			}
			if _, err := os.Lstat("/nonexistent-junest-test"); err == nil {
				t.Errorf("/nonexistent-junest-test was created")
			}
		})
	}
}

// TestUnpackIndirectEscapes are escapes through a hard link to a symlink
// and through a directory a later entry replaced by a symlink (its mode
// and time must not reach the target). They write only inside the test's
// temporary directory.
func TestUnpackIndirectEscapes(t *testing.T) {
	tests := []struct {
		name    string
		entries func(outside string) []testEntry
	}{
		// A hard link to a symlink of the archive is a second symlink,
		// which checkParents does not know about.
		{"through a hard link to a symlink", func(outside string) []testEntry {
			return []testEntry{tSymlink("link", outside), tHardlink("h", "link"), tFile("h/evil", 0o644, "evil")}
		}},
		// finishDirs chmods and chtimes the directory's path, following
		// the symlink that replaced it.
		{"directory replaced by a symlink", func(outside string) []testEntry {
			return []testEntry{tDir("d/", 0o777).at(time.Unix(1, 0)), tSymlink("d", outside)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tempDir(t)
			dest := filepath.Join(base, "dest")
			outside := filepath.Join(base, "outside")
			for _, d := range []string{dest, outside} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, outside, "")
			fiBefore, _ := os.Stat(outside)
			_, err := Unpack(context.Background(), bytes.NewReader(makeTar(t, tt.entries(outside))), dest)
			t.Logf("Unpack: %v", err)
			if d := diffSnapshots(before, snapshot(t, outside, "")); d != "" {
				t.Errorf("files outside the destination changed:\n%s", d)
			}
			if fi, _ := os.Stat(outside); !fi.ModTime().Equal(fiBefore.ModTime()) {
				t.Errorf("outside's mtime changed from %v to %v", fiBefore.ModTime(), fi.ModTime())
			}
		})
	}
}

func TestUnpackBadInput(t *testing.T) {
	big := makeTar(t, []testEntry{
		tDir("d/", 0o755),
		{name: "d/big", typ: tar.TypeReg, mode: 0o644, body: randomBytes(256 << 10)},
		tFile("d/after", 0o644, "after"),
	})
	half := func(b []byte) []byte { return b[:len(b)/2] }
	tests := []struct {
		name    string
		input   func(t *testing.T) []byte
		wantErr string
	}{
		{"random text", func(*testing.T) []byte {
			return []byte(strings.Repeat("this is not an archive at all\n", 40))
		}, "not a tar archive"},
		{"empty", func(*testing.T) []byte { return nil }, "the image is empty"},
		{"shorter than a magic number", func(*testing.T) []byte { return []byte("ab") }, "not a tar archive"},
		{"zero blocks only", func(*testing.T) []byte { return make([]byte, 1024) }, "not a tar archive"},
		{"truncated gzip", func(t *testing.T) []byte { return half(compressAs(t, "gzip", big)) }, "truncated"},
		{"truncated zstd", func(t *testing.T) []byte { return half(compressAs(t, "zstd", big)) }, "truncated"},
		{"truncated xz", func(t *testing.T) []byte { return half(compressAs(t, "xz", big)) }, "truncated"},
		{"truncated tar", func(*testing.T) []byte { return half(big) }, "truncated"},
		{"gzip of text", func(t *testing.T) []byte {
			return compressAs(t, "gzip", []byte(strings.Repeat("text, not tar\n", 100)))
		}, "invalid tar header"},
		{"gzip header only", func(t *testing.T) []byte { return compressAs(t, "gzip", big)[:10] }, "truncated"},
		{"archive without entries", func(t *testing.T) []byte { return compressAs(t, "gzip", makeTar(t, nil)) }, "holds no files"},
		{"unsupported entry type", func(t *testing.T) []byte {
			return makeTar(t, []testEntry{{name: "weird", typ: 'Z', mode: 0o644}})
		}, "unsupported tar entry type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := tempDir(t)
			_, err := Unpack(context.Background(), bytes.NewReader(tt.input(t)), dest)
			if err == nil {
				t.Fatalf("Unpack succeeded, want an error")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if _, err := os.Lstat(filepath.Join(dest, "d/after")); err == nil {
				t.Errorf("d/after was unpacked from a broken archive")
			}
		})
	}
}

func TestUnpackCancelled(t *testing.T) {
	tests := []struct {
		name string
		kind string
	}{
		{"gzip", "gzip"},
		{"tar", "tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := tempDir(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			img := compressAs(t, tt.kind, makeTar(t, []testEntry{tFile("f", 0o644, "f")}))
			_, err := Unpack(ctx, bytes.NewReader(img), dest)
			if err != context.Canceled {
				t.Errorf("Unpack = %v, want context.Canceled", err)
			}
			if got := listTree(t, dest); len(got) != 0 {
				t.Errorf("cancelled Unpack made %q", got)
			}
		})
	}
}

func TestPosixMode(t *testing.T) {
	tests := []struct {
		name string
		in   uint32
		want os.FileMode
	}{
		{"plain", 0o644, 0o644},
		{"setuid", 0o4755, os.ModeSetuid | 0o755},
		{"setgid", 0o2750, os.ModeSetgid | 0o750},
		{"sticky", 0o1777, os.ModeSticky | 0o777},
		{"all", 0o7777, os.ModeSetuid | os.ModeSetgid | os.ModeSticky | 0o777},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := posixMode(tt.in); got != tt.want {
				t.Errorf("posixMode(%o) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
