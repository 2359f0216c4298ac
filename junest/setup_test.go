package junest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// otherArch is a JuNest architecture that is not the host's.
func otherArch() string {
	if HostArch() == "arm" {
		return "aarch64"
	}
	return "arm"
}

// imageEntries is a small JuNest image as upstream's are made (tar -C
// root .): "./" first. info is etc/junest/info's content, none if "".
func imageEntries(info string, extra ...testEntry) []testEntry {
	e := []testEntry{
		tDir("./", 0o700),
		tDir("./etc/", 0o755),
	}
	if info != "" {
		e = append(e, tDir("./etc/junest/", 0o755), tFile("./etc/junest/info", 0o644, info))
	}
	e = append(e,
		tDir("./usr/", 0o755),
		tDir("./usr/bin/", 0o755),
		tFile("./usr/bin/bash", 0o755, "fake bash"),
		tSymlink("./usr/bin/sh", "bash"),
		tDir("./ro/", 0o555),
		tFile("./ro/f", 0o444, "read-only"),
	)
	return append(e, extra...)
}

// goodImage is a gzip'ed image for arch.
func goodImage(t testing.TB, arch string) []byte {
	return compressAs(t, "gzip", makeTar(t, imageEntries("JUNEST_ARCH="+arch+"\n")))
}

// newTestEnv is an Env whose JUNEST_HOME is tmp/home (not made), with
// buffers for its input and output.
func newTestEnv(t *testing.T) *Env {
	t.Helper()
	tmp := tempDir(t)
	return &Env{
		Home:    filepath.Join(tmp, "home"),
		TempDir: tmp,
		Repo:    "http://127.0.0.1:9/unused",
		Stdin:   strings.NewReader(""),
		Stdout:  new(bytes.Buffer),
		Stderr:  new(bytes.Buffer),
	}
}

func stderrOf(e *Env) string { return e.Stderr.(*bytes.Buffer).String() }

// checkInstalled checks that e.Home holds imageEntries' files.
func checkInstalled(t *testing.T, e *Env, info string) {
	t.Helper()
	fi, err := os.Lstat(e.Home)
	if err != nil {
		t.Fatalf("JUNEST_HOME: %v", err)
	}
	if fi.Mode() != os.ModeDir|0o755 {
		t.Errorf("JUNEST_HOME mode %v, want drwxr-xr-x", fi.Mode())
	}
	wantFile(t, filepath.Join(e.Home, "usr/bin/bash"), 0o755, "fake bash")
	wantFile(t, filepath.Join(e.Home, "ro/f"), 0o444, "read-only")
	if l, err := os.Readlink(filepath.Join(e.Home, "usr/bin/sh")); err != nil || l != "bash" {
		t.Errorf("usr/bin/sh -> %q (%v), want bash", l, err)
	}
	if fi, err := os.Lstat(filepath.Join(e.Home, "ro")); err != nil || fi.Mode() != os.ModeDir|0o555 {
		t.Errorf("ro: %v (%v), want dr-xr-xr-x", fi, err)
	}
	if info == "" {
		if _, err := os.Lstat(filepath.Join(e.Home, InfoFile)); !os.IsNotExist(err) {
			t.Errorf("%s: %v, want it absent", InfoFile, err)
		}
	} else {
		wantFile(t, filepath.Join(e.Home, InfoFile), 0o644, info)
	}
	if !e.Installed() {
		t.Errorf("Installed() = false after setup")
	}
	if s := stderrOf(e); !strings.Contains(s, "JuNest installed successfully in "+e.Home) {
		t.Errorf("stderr %q does not say it is installed", s)
	}
	if out := e.Stdout.(*bytes.Buffer).String(); out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
}

// checkNoLeftovers checks that no temporary directory of setup remains
// beside JUNEST_HOME.
func checkNoLeftovers(t *testing.T, e *Env) {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(e.Home), "."+filepath.Base(e.Home)+".setup-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) > 0 {
		t.Errorf("setup left temporary directories: %q", m)
	}
}

// writeImage writes data into dir/name and returns its path.
func writeImage(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSetupFromFile(t *testing.T) {
	hostInfo := "JUNEST_ARCH=" + HostArch() + "\n"
	tests := []struct {
		name string
		// image is the image's content.
		image func(t *testing.T) []byte
		arch  string
		// prepare makes JUNEST_HOME's state before setup.
		prepare func(t *testing.T, e *Env)
		// home, if set, is JUNEST_HOME relative to the temporary dir.
		home     string
		wantInfo string
	}{
		{name: "image with info", image: func(t *testing.T) []byte { return goodImage(t, HostArch()) }, wantInfo: hostInfo},
		{name: "image without info", image: func(t *testing.T) []byte {
			return compressAs(t, "gzip", makeTar(t, imageEntries("")))
		}},
		{name: "quoted arch in info", image: func(t *testing.T) []byte {
			return compressAs(t, "gzip", makeTar(t, imageEntries(`JUNEST_ARCH="`+HostArch()+`"`+"\n")))
		}, wantInfo: `JUNEST_ARCH="` + HostArch() + `"` + "\n"},
		{name: "zstd image", image: func(t *testing.T) []byte {
			return compressAs(t, "zstd", makeTar(t, imageEntries(hostInfo)))
		}, wantInfo: hostInfo},
		{name: "empty JUNEST_HOME is replaced", image: func(t *testing.T) []byte { return goodImage(t, HostArch()) },
			prepare: func(t *testing.T, e *Env) {
				if err := os.Mkdir(e.Home, 0o700); err != nil {
					t.Fatal(err)
				}
			}, wantInfo: hostInfo},
		{name: "parent of JUNEST_HOME made", image: func(t *testing.T) []byte { return goodImage(t, HostArch()) },
			home: "deep/er/home", wantInfo: hostInfo},
		{name: "other arch given with -a", image: func(t *testing.T) []byte { return goodImage(t, otherArch()) },
			arch: otherArch(), wantInfo: "JUNEST_ARCH=" + otherArch() + "\n"},
		{name: "host arch given with -a", image: func(t *testing.T) []byte { return goodImage(t, HostArch()) },
			arch: HostArch(), wantInfo: hostInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			if tt.home != "" {
				e.Home = filepath.Join(e.TempDir, tt.home)
			}
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			img := writeImage(t, e.TempDir, "image.tar.gz", tt.image(t))
			if err := e.Setup(context.Background(), SetupOptions{FromFile: img, Arch: tt.arch}); err != nil {
				t.Fatalf("Setup: %v\nstderr: %s", err, stderrOf(e))
			}
			checkInstalled(t, e, tt.wantInfo)
			checkNoLeftovers(t, e)
			if s := stderrOf(e); !strings.Contains(s, "installing JuNest from "+img) {
				t.Errorf("stderr %q does not name the image", s)
			}
		})
	}
}

func TestSetupFromFileErrors(t *testing.T) {
	type homeState struct {
		name    string
		prepare func(t *testing.T, e *Env)
	}
	absent := homeState{"home absent", func(*testing.T, *Env) {}}
	empty := homeState{"home empty", func(t *testing.T, e *Env) {
		if err := os.Mkdir(e.Home, 0o750); err != nil {
			t.Fatal(err)
		}
	}}
	installed := homeState{"home installed", func(t *testing.T, e *Env) {
		if err := os.MkdirAll(filepath.Join(e.Home, "usr/bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.Home, "usr/bin/old"), []byte("old"), 0o755); err != nil {
			t.Fatal(err)
		}
	}}
	gz := func(entries ...testEntry) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			return writeImage(t, dir, "image.tar.gz", compressAs(t, "gzip", makeTar(t, entries)))
		}
	}
	good := func(t *testing.T, dir string) string {
		return writeImage(t, dir, "image.tar.gz", goodImage(t, HostArch()))
	}
	tests := []struct {
		name     string
		image    func(t *testing.T, dir string) string
		arch     string
		homes    []homeState
		wantCode int
		wantErr  string
	}{
		{
			name:     "missing file",
			image:    func(t *testing.T, dir string) string { return filepath.Join(dir, "nonexistent.tar.gz") },
			homes:    []homeState{absent, empty},
			wantCode: ExitNoFile, wantErr: "does not exist",
		},
		{
			name: "directory as image",
			image: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "image.d")
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			},
			homes:    []homeState{absent, empty},
			wantCode: ExitNoFile, wantErr: "is a directory",
		},
		{
			name: "not gzip",
			image: func(t *testing.T, dir string) string {
				return writeImage(t, dir, "image.tar.gz", []byte(strings.Repeat("plain text\n", 100)))
			},
			homes:    []homeState{absent, empty},
			wantCode: 1, wantErr: "not a tar archive",
		},
		{
			name: "truncated image",
			image: func(t *testing.T, dir string) string {
				img := compressAs(t, "gzip", makeTar(t, imageEntries("", testEntry{name: "./big", typ: tar.TypeReg, mode: 0o644, body: randomBytes(128 << 10)})))
				return writeImage(t, dir, "image.tar.gz", img[:len(img)/2])
			},
			homes:    []homeState{absent, empty},
			wantCode: 1, wantErr: "truncated",
		},
		{
			name:     "image with dot-dot entries",
			image:    gz(tDir("./", 0o755), tFile("./ok", 0o644, "ok"), tFile("../evil", 0o644, "evil")),
			homes:    []homeState{absent, empty},
			wantCode: 1, wantErr: "outside the destination",
		},
		{
			name:     "already installed",
			image:    good,
			homes:    []homeState{installed},
			wantCode: 1, wantErr: "'junest setup -d'",
		},
		{
			name: "image of another architecture",
			image: func(t *testing.T, dir string) string {
				return writeImage(t, dir, "image.tar.gz", goodImage(t, otherArch()))
			},
			homes:    []homeState{absent, empty},
			wantCode: ExitArchMismatch, wantErr: "give -a " + otherArch(),
		},
		{
			name: "-a not the image's architecture",
			image: func(t *testing.T, dir string) string {
				return writeImage(t, dir, "image.tar.gz", goodImage(t, otherArch()))
			},
			arch:     HostArch(),
			homes:    []homeState{absent, empty},
			wantCode: ExitArchMismatch, wantErr: "but the image is for " + otherArch(),
		},
		{
			name:     "unknown architecture",
			image:    good,
			arch:     "sparc",
			homes:    []homeState{absent, empty},
			wantCode: ExitArchUnknown, wantErr: "unknown architecture",
		},
	}
	for _, tt := range tests {
		for _, hs := range tt.homes {
			t.Run(tt.name+"/"+hs.name, func(t *testing.T) {
				e := newTestEnv(t)
				hs.prepare(t, e)
				img := tt.image(t, e.TempDir)
				before := snapshot(t, e.Home, "")
				err := e.Setup(context.Background(), SetupOptions{FromFile: img, Arch: tt.arch})
				if err == nil {
					t.Fatalf("Setup succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if got := ExitCode(err); got != tt.wantCode {
					t.Errorf("ExitCode = %d, want %d (error %v)", got, tt.wantCode, err)
				}
				if d := diffSnapshots(before, snapshot(t, e.Home, "")); d != "" {
					t.Errorf("JUNEST_HOME changed:\n%s", d)
				}
				if hs.name == absent.name {
					if _, err := os.Lstat(e.Home); !os.IsNotExist(err) {
						t.Errorf("JUNEST_HOME exists after a failed setup (%v)", err)
					}
				}
				checkNoLeftovers(t, e)
				if _, err := os.Lstat(filepath.Join(e.TempDir, "evil")); err == nil {
					t.Errorf("the image's ../evil was made")
				}
			})
		}
	}
}

// repo is a JuNest repository served by httptest for one architecture.
type repo struct {
	arch  string
	image []byte
	// sum is the body of the .sha256 file; "" answers 404.
	sum string
	// sumStatus and imageStatus, if set, are the statuses instead of 200.
	sumStatus, imageStatus int
	// half sends the full Content-Length but cuts the connection after
	// half the image.
	half bool

	mu       sync.Mutex
	requests []string
}

func (r *repo) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests = append(r.requests, req.URL.Path)
	r.mu.Unlock()
	name := "/repo/" + imageName(r.arch)
	switch req.URL.Path {
	case name + ".sha256":
		switch {
		case r.sumStatus != 0:
			http.Error(w, "no", r.sumStatus)
		case r.sum == "":
			http.NotFound(w, req)
		default:
			w.Write([]byte(r.sum))
		}
	case name:
		if r.imageStatus != 0 {
			http.Error(w, "no", r.imageStatus)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(r.image)))
		w.Header().Set("Content-Type", "application/gzip")
		w.WriteHeader(http.StatusOK)
		if !r.half {
			w.Write(r.image)
			return
		}
		w.Write(r.image[:len(r.image)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	default:
		http.NotFound(w, req)
	}
}

func (r *repo) paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

func sha256Line(data []byte, name string) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:]) + "  " + name + "\n"
}

var progressLine = regexp.MustCompile(`(?m)^junest: downloaded (\d+)% \(\d+\.\d MiB of (\d+\.\d) MiB\)$`)

func TestSetupDownload(t *testing.T) {
	big := randomBytes(2 << 20)
	hostInfo := "JUNEST_ARCH=" + HostArch() + "\n"
	image := compressAs(t, "gzip", makeTar(t, imageEntries(hostInfo, testEntry{name: "./big", typ: tar.TypeReg, mode: 0o644, body: big})))
	otherInfo := "JUNEST_ARCH=" + otherArch() + "\n"
	otherImage := compressAs(t, "gzip", makeTar(t, imageEntries(otherInfo, testEntry{name: "./big", typ: tar.TypeReg, mode: 0o644, body: big})))
	name := imageName(HostArch())
	tests := []struct {
		name string
		repo *repo
		// installed prepares an installed JUNEST_HOME.
		installed bool
		arch      string
		// wantErr is "" for success.
		wantErr  string
		wantCode int
		// wantStderr are in stderr after a success.
		wantStderr []string
		// wantRequests, if set, are all the requests made.
		wantRequests []string
		wantInfo     string
	}{
		{
			name:         "good with checksum",
			repo:         &repo{arch: HostArch(), image: image, sum: sha256Line(image, name)},
			wantStderr:   []string{"checksum verified (SHA-256 ", "downloading "},
			wantRequests: []string{"/repo/" + name + ".sha256", "/repo/" + name},
			wantInfo:     hostInfo,
		},
		{
			name:       "good with upper-case checksum",
			repo:       &repo{arch: HostArch(), image: image, sum: strings.ToUpper(sha256Line(image, name)[:64]) + " *" + name + "\n"},
			wantStderr: []string{"checksum verified"},
			wantInfo:   hostInfo,
		},
		{
			name:       "good without checksum",
			repo:       &repo{arch: HostArch(), image: image},
			wantStderr: []string{"publishes no checksum for " + name + ": not verified"},
			wantInfo:   hostInfo,
		},
		{
			name:       "checksum forbidden counts as none",
			repo:       &repo{arch: HostArch(), image: image, sumStatus: http.StatusForbidden},
			wantStderr: []string{"not verified"},
			wantInfo:   hostInfo,
		},
		{
			name:         "other architecture with -a",
			repo:         &repo{arch: otherArch(), image: otherImage, sum: sha256Line(otherImage, imageName(otherArch()))},
			arch:         otherArch(),
			wantStderr:   []string{"checksum verified"},
			wantRequests: []string{"/repo/" + imageName(otherArch()) + ".sha256", "/repo/" + imageName(otherArch())},
			wantInfo:     otherInfo,
		},
		{
			name:    "wrong checksum",
			repo:    &repo{arch: HostArch(), image: image, sum: sha256Line([]byte("something else"), name)},
			wantErr: "SHA-256", wantCode: 1,
		},
		{
			name:    "malformed checksum file",
			repo:    &repo{arch: HostArch(), image: image, sum: "<html>not found</html>\n"},
			wantErr: "is not a sha256sum(1) line", wantCode: 1,
			wantRequests: []string{"/repo/" + name + ".sha256"},
		},
		{
			name:    "checksum server error",
			repo:    &repo{arch: HostArch(), image: image, sumStatus: http.StatusInternalServerError},
			wantErr: "500", wantCode: 1,
		},
		{
			name:    "connection cut halfway",
			repo:    &repo{arch: HostArch(), image: image, sum: sha256Line(image, name), half: true},
			wantErr: "truncated", wantCode: 1,
		},
		{
			name:    "connection cut halfway without checksum",
			repo:    &repo{arch: HostArch(), image: image, half: true},
			wantErr: "truncated", wantCode: 1,
		},
		{
			name:    "image not found",
			repo:    &repo{arch: HostArch(), image: image, imageStatus: http.StatusNotFound},
			wantErr: "404", wantCode: 1,
			wantRequests: []string{"/repo/" + name + ".sha256", "/repo/" + name},
		},
		{
			name:    "image of another architecture",
			repo:    &repo{arch: HostArch(), image: otherImage},
			wantErr: "give -a " + otherArch(), wantCode: ExitArchMismatch,
		},
		{
			name:      "already installed downloads nothing",
			repo:      &repo{arch: HostArch(), image: image},
			installed: true,
			wantErr:   "'junest setup -d'", wantCode: 1,
			wantRequests: []string{},
		},
		{
			name:    "unknown architecture downloads nothing",
			repo:    &repo{arch: HostArch(), image: image},
			arch:    "sparc",
			wantErr: "unknown architecture", wantCode: ExitArchUnknown,
			wantRequests: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.repo)
			defer srv.Close()
			e := newTestEnv(t)
			e.Repo = srv.URL + "/repo"
			if tt.installed {
				if err := os.MkdirAll(filepath.Join(e.Home, "etc"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, e.Home, "")
			err := e.Setup(context.Background(), SetupOptions{Arch: tt.arch})
			stderr := stderrOf(e)
			if tt.wantRequests != nil {
				if got := tt.repo.paths(); strings.Join(got, " ") != strings.Join(tt.wantRequests, " ") {
					t.Errorf("requests = %q, want %q", got, tt.wantRequests)
				}
			}
			checkNoLeftovers(t, e)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Setup succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if got := ExitCode(err); got != tt.wantCode {
					t.Errorf("ExitCode = %d, want %d", got, tt.wantCode)
				}
				if d := diffSnapshots(before, snapshot(t, e.Home, "")); d != "" {
					t.Errorf("JUNEST_HOME changed:\n%s", d)
				}
				if !tt.installed {
					if _, err := os.Lstat(e.Home); !os.IsNotExist(err) {
						t.Errorf("JUNEST_HOME exists after a failed setup (%v)", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Setup: %v\nstderr: %s", err, stderr)
			}
			checkInstalled(t, e, tt.wantInfo)
			if b, err := os.ReadFile(filepath.Join(e.Home, "big")); err != nil || !bytes.Equal(b, big) {
				t.Errorf("big: %d bytes (%v), want the %d bytes served", len(b), err, len(big))
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not contain %q:\n%s", s, stderr)
				}
			}
			// Non-interactive progress: a line each 10%.
			lines := progressLine.FindAllStringSubmatch(stderr, -1)
			if len(lines) < 3 {
				t.Fatalf("%d progress lines, want 3 or more:\n%s", len(lines), stderr)
			}
			last := 0
			for _, l := range lines {
				pc, _ := strconv.Atoi(l[1])
				if pc/10 <= last/10 || pc > 100 {
					t.Errorf("progress %d%% after %d%%", pc, last)
				}
				last = pc
				if l[2]+" MiB" != mib(int64(len(tt.repo.image))) {
					t.Errorf("progress total %s MiB, want %s", l[2], mib(int64(len(tt.repo.image))))
				}
			}
			if n := strings.Count(stderr, "\r"); n != 0 {
				t.Errorf("non-interactive progress redraws a bar (%d \\r)", n)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name   string
		total  int64
		writes []int
		want   string
	}{
		{"every ten percent", 100, []int{5, 5, 9, 1, 30, 50}, "junest: downloaded 10% (0.0 MiB of 0.0 MiB)\n" +
			"junest: downloaded 20% (0.0 MiB of 0.0 MiB)\n" +
			"junest: downloaded 50% (0.0 MiB of 0.0 MiB)\n" +
			"junest: downloaded 100% (0.0 MiB of 0.0 MiB)\n"},
		{"unknown size", -1, []int{10, 1000}, ""},
		{"MiB", 4 << 20, []int{1 << 20, 3 << 20}, "junest: downloaded 25% (1.0 MiB of 4.0 MiB)\n" +
			"junest: downloaded 100% (4.0 MiB of 4.0 MiB)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := &progress{w: &buf, total: tt.total}
			var n int64
			for _, w := range tt.writes {
				if k, err := p.Write(make([]byte, w)); k != w || err != nil {
					t.Fatalf("Write = %d, %v", k, err)
				}
				n += int64(w)
			}
			p.finish()
			p.Write(make([]byte, 10))
			if buf.String() != tt.want {
				t.Errorf("output %q, want %q", buf.String(), tt.want)
			}
			if p.n != n+10 {
				t.Errorf("n = %d, want %d", p.n, n+10)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name        string
		prepare     func(t *testing.T, home string)
		yes         bool
		interactive bool
		stdin       string
		wantErr     string
		wantGone    bool
	}{
		{
			name: "installed image",
			prepare: func(t *testing.T, home string) {
				mustWrite(t, filepath.Join(home, "usr/bin/bash"), 0o755)
			},
			yes: true, wantGone: true,
		},
		{
			name: "read-only subdirectories",
			prepare: func(t *testing.T, home string) {
				mustWrite(t, filepath.Join(home, "ro/sub/f"), 0o444)
				mustWrite(t, filepath.Join(home, "ro/g"), 0o400)
				for _, d := range []string{"ro/sub", "ro"} {
					if err := os.Chmod(filepath.Join(home, d), 0o555); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Mkdir(filepath.Join(home, "locked"), 0o500); err != nil {
					t.Fatal(err)
				}
			},
			yes: true, wantGone: true,
		},
		{
			name: "unpacked image",
			prepare: func(t *testing.T, home string) {
				if _, err := Unpack(context.Background(), bytes.NewReader(goodImage(t, HostArch())), home); err != nil {
					t.Fatal(err)
				}
			},
			yes: true, wantGone: true,
		},
		{
			name:     "no terminal, no answer: kept",
			prepare:  func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			wantGone: false,
		},
		{
			name:     "no terminal, answered n: kept",
			prepare:  func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			stdin:    "n\n",
			wantGone: false,
		},
		{
			name:     "no terminal, answered yes",
			prepare:  func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			stdin:    "yes\n",
			wantGone: true,
		},
		{
			name:        "interactive, answered y",
			prepare:     func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			interactive: true, stdin: "y\n", wantGone: true,
		},
		{
			name:        "interactive, answered no",
			prepare:     func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			interactive: true, stdin: "no\n", wantGone: false,
		},
		{
			name:        "interactive, no answer",
			prepare:     func(t *testing.T, home string) { mustWrite(t, filepath.Join(home, "f"), 0o644) },
			interactive: true, stdin: "", wantGone: false,
		},
		{
			name:    "not installed",
			wantErr: "nothing to delete",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.Interactive = tt.interactive
			e.Stdin = strings.NewReader(tt.stdin)
			if tt.prepare != nil {
				if err := os.Mkdir(e.Home, 0o755); err != nil {
					t.Fatal(err)
				}
				tt.prepare(t, e.Home)
			}
			before := snapshot(t, e.Home, "")
			err := e.Delete(tt.yes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Delete = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			_, serr := os.Lstat(e.Home)
			if tt.wantGone {
				if !os.IsNotExist(serr) {
					t.Errorf("JUNEST_HOME still exists (%v): %q", serr, listTree(t, e.Home))
				}
				if s := stderrOf(e); !strings.Contains(s, "JuNest deleted in "+e.Home) {
					t.Errorf("stderr %q", s)
				}
			} else {
				if d := diffSnapshots(before, snapshot(t, e.Home, "")); d != "" {
					t.Errorf("JUNEST_HOME changed though not deleted:\n%s", d)
				}
				if s := stderrOf(e); !strings.Contains(s, "not deleted") {
					t.Errorf("stderr %q", s)
				}
			}
			if !tt.yes && tt.prepare != nil {
				if s := stderrOf(e); !strings.Contains(s, "Are you sure to delete JuNest located in "+e.Home+"? (y/N)> ") {
					t.Errorf("no question on stderr: %q", s)
				}
			}
		})
	}
}

// mustWrite makes p (and its directories) with the given mode.
func mustWrite(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(filepath.Base(p)), mode); err != nil {
		t.Fatal(err)
	}
}

func TestImageArch(t *testing.T) {
	tests := []struct {
		name string
		info *string
		want string
	}{
		{"no info file", nil, HostArch()},
		{"plain", ptr("JUNEST_ARCH=arm\n"), "arm"},
		{"double quoted", ptr(`JUNEST_ARCH="aarch64"`), "aarch64"},
		{"single quoted with spaces", ptr("# image\n  JUNEST_ARCH='x86'  \n"), "x86"},
		{"first of two", ptr("JUNEST_ARCH=x86\nJUNEST_ARCH=arm\n"), "x86"},
		{"no arch line", ptr("OTHER=1\n"), HostArch()},
		{"empty", ptr(""), HostArch()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := tempDir(t)
			if tt.info != nil {
				mustWrite(t, filepath.Join(home, InfoFile), 0o644)
				if err := os.WriteFile(filepath.Join(home, InfoFile), []byte(*tt.info), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ImageArch(home)
			if err != nil || got != tt.want {
				t.Errorf("ImageArch = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("info is a directory", func(t *testing.T) {
		home := tempDir(t)
		if err := os.MkdirAll(filepath.Join(home, InfoFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if got, err := ImageArch(home); err == nil {
			t.Errorf("ImageArch = %q, nil; want an error", got)
		}
	})
}

func ptr(s string) *string { return &s }

func TestUnescapeMount(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"space", `/a\040b`, "/a b"},
		{"plain", "/a/b", "/a/b"},
		{"tab and newline", `/a\011b\012c`, "/a\tb\nc"},
		{"backslash", `/a\134b`, `/a\b`},
		{"at the end", `/a\040`, "/a "},
		{"at the start", `\040a`, " a"},
		{"two in a row", `\040\040`, "  "},
		{"too short", `/a\04`, `/a\04`},
		{"not octal", `/a\09b`, `/a\09b`},
		{"lone backslash", `/a\`, `/a\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unescapeMount(tt.in); got != tt.want {
				t.Errorf("unescapeMount(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMountsUnder(t *testing.T) {
	tmp := tempDir(t)
	tests := []struct {
		name    string
		dir     string
		want    []string
		wantHas string
	}{
		{"nothing mounted", tmp, nil, ""},
		{"proc", "/proc", nil, "/proc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mountsUnder(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantHas == "" {
				if len(got) != 0 {
					t.Errorf("mountsUnder(%s) = %q, want none", tt.dir, got)
				}
				return
			}
			found := false
			for _, m := range got {
				if m == tt.wantHas {
					found = true
				}
				if m != tt.dir && !strings.HasPrefix(m, tt.dir+"/") {
					t.Errorf("mountsUnder(%s) lists %s", tt.dir, m)
				}
			}
			if !found {
				t.Errorf("mountsUnder(%s) = %q, want %s in it", tt.dir, got, tt.wantHas)
			}
		})
	}
}

// TestSetupHomeIsAFile: a regular file at JUNEST_HOME is refused, never
// removed to put the image in its place.
func TestSetupHomeIsAFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"regular file at JUNEST_HOME", "precious data"},
		{"empty file at JUNEST_HOME", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			if err := os.WriteFile(e.Home, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			img := writeImage(t, e.TempDir, "image.tar.gz", goodImage(t, HostArch()))
			err := e.Setup(context.Background(), SetupOptions{FromFile: img})
			if err == nil {
				t.Errorf("Setup replaced the file at JUNEST_HOME with the image")
			}
			wantFile(t, e.Home, 0o600, tt.content)
			checkNoLeftovers(t, e)
		})
	}
}

// TestSetupRemovesStaleTempDirs: what a setup killed with SIGKILL left
// beside JUNEST_HOME (its pid gone) is removed by the next setup; a
// running setup's directory is not.
func TestSetupRemovesStaleTempDirs(t *testing.T) {
	e := newTestEnv(t)
	parent := filepath.Dir(e.Home)
	stale := filepath.Join(parent, "."+filepath.Base(e.Home)+".setup-2147483646-123")
	live := filepath.Join(parent, "."+filepath.Base(e.Home)+".setup-"+strconv.Itoa(os.Getpid())+"-456")
	for _, d := range []string{stale, live} {
		mustWrite(t, filepath.Join(d, "f"), 0o644)
	}
	img := filepath.Join(parent, "img.tar.gz")
	if err := os.WriteFile(img, goodImage(t, HostArch()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.Setup(context.Background(), SetupOptions{FromFile: img}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale %s still there: %v", stale, err)
	}
	if _, err := os.Lstat(live); err != nil {
		t.Errorf("a live setup's %s was removed: %v", live, err)
	}
}
