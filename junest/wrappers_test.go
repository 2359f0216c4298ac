package junest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fakeImage makes an installed JUNEST_HOME whose usr/bin has an
// executable, a non-executable file, a directory, a symlink to an
// absolute path only the image has (broken on the host) and a symlink to
// a directory.
func fakeImage(t *testing.T) *Env {
	t.Helper()
	e := newTestEnv(t)
	bin := filepath.Join(e.Home, "usr/bin")
	mustWrite(t, filepath.Join(bin, "prog"), 0o755)
	mustWrite(t, filepath.Join(bin, "data"), 0o644)
	if err := os.Mkdir(filepath.Join(bin, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/lib/junest-only-in-the-image/prog", filepath.Join(bin, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(bin, "dirlink")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(e.Home, "usr/sbin/sprog"), 0o700)
	return e
}

// wrappers lists a wrapper directory.
func wrappers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// checkWrapper checks that dir/name is the wrapper CreateWrappers writes.
func checkWrapper(t *testing.T, e *Env, dir, name string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("wrapper %s: %v", name, err)
	}
	if fi.Mode() != 0o755 {
		t.Errorf("wrapper %s: mode %v, want -rwxr-xr-x", name, fi.Mode())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "#!/bin/sh\n") {
		t.Errorf("wrapper %s does not start with #!/bin/sh: %q", name, s)
	}
	if !strings.Contains(s, "\nname="+shellQuote(name)+"\n") || !strings.Contains(s, ` -- \"\$name\" \"\$@\""`) {
		t.Errorf("wrapper %s does not run %s:\n%s", name, name, s)
	}
	if want := wrapperScript(e.Home, exe, name); s != want {
		t.Errorf("wrapper %s:\n%s\nwant:\n%s", name, s, want)
	}
}

func TestCreateWrappers(t *testing.T) {
	const edited = "#!/bin/sh\necho edited\n"
	tests := []struct {
		name string
		// before runs before CreateWrappers (after a first run if
		// twice).
		twice   bool
		before  func(t *testing.T, e *Env)
		force   bool
		binPath string
		wantErr string
		// dir is the wrapper directory, relative to JUNEST_HOME.
		dir  string
		want []string
		// check checks more.
		check func(t *testing.T, e *Env, dir string)
	}{
		{
			name: "default",
			dir:  "usr/bin_wrappers", want: []string{"link", "prog"},
		},
		{
			name:  "edited wrapper kept without force",
			twice: true,
			before: func(t *testing.T, e *Env) {
				editWrapper(t, filepath.Join(e.WrapperDir("/usr/bin"), "prog"), edited)
			},
			dir: "usr/bin_wrappers", want: []string{"link", "prog"},
			check: func(t *testing.T, e *Env, dir string) {
				wantFile(t, filepath.Join(dir, "prog"), 0o700, edited)
			},
		},
		{
			name:  "edited wrapper rewritten with force",
			twice: true,
			before: func(t *testing.T, e *Env) {
				editWrapper(t, filepath.Join(e.WrapperDir("/usr/bin"), "prog"), edited)
			},
			force: true,
			dir:   "usr/bin_wrappers", want: []string{"link", "prog"},
		},
		{
			name:  "stale wrappers removed",
			twice: true,
			before: func(t *testing.T, e *Env) {
				if err := os.Remove(filepath.Join(e.Home, "usr/bin/prog")); err != nil {
					t.Fatal(err)
				}
				mustWrite(t, filepath.Join(e.WrapperDir("/usr/bin"), "gone"), 0o755)
				mustWrite(t, filepath.Join(e.WrapperDir("/usr/bin"), ".junest-tmp"), 0o600)
			},
			dir: "usr/bin_wrappers", want: []string{".junest-tmp", "link"},
		},
		{
			name: "program made executable later",
			before: func(t *testing.T, e *Env) {
				if err := os.Chmod(filepath.Join(e.Home, "usr/bin/data"), 0o750); err != nil {
					t.Fatal(err)
				}
			},
			twice: true,
			dir:   "usr/bin_wrappers", want: []string{"data", "link", "prog"},
		},
		{
			name:    "custom bin path",
			binPath: "/usr/sbin",
			dir:     "usr/sbin_wrappers", want: []string{"sprog"},
			check: func(t *testing.T, e *Env, dir string) {
				if _, err := os.Lstat(filepath.Join(e.Home, "usr/bin_wrappers")); !os.IsNotExist(err) {
					t.Errorf("usr/bin_wrappers made for -p /usr/sbin (%v)", err)
				}
			},
		},
		{
			name:    "unclean bin path",
			binPath: "/usr//sbin/",
			dir:     "usr/sbin_wrappers", want: []string{"sprog"},
		},
		{
			name:    "relative bin path",
			binPath: "usr/bin",
			wantErr: "absolute path",
		},
		{
			name:    "missing bin path",
			binPath: "/opt/none",
			wantErr: "/opt/none",
		},
		{
			name: "not installed",
			before: func(t *testing.T, e *Env) {
				if err := os.RemoveAll(e.Home); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "junest setup",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeImage(t)
			if tt.twice {
				if err := e.CreateWrappers(false, tt.binPath); err != nil {
					t.Fatalf("first CreateWrappers: %v", err)
				}
			}
			if tt.before != nil {
				tt.before(t, e)
			}
			err := e.CreateWrappers(tt.force, tt.binPath)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CreateWrappers = %v, want an error containing %q", err, tt.wantErr)
				}
				for _, d := range []string{"usr/bin_wrappers", "usr_wrappers", "usr/bin/_wrappers"} {
					if _, err := os.Lstat(filepath.Join(e.Home, d)); err == nil {
						t.Errorf("%s made by a failed CreateWrappers", d)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateWrappers: %v", err)
			}
			dir := filepath.Join(e.Home, tt.dir)
			if got := wrappers(t, dir); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("wrappers = %q, want %q", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, e, dir)
			}
			for _, name := range tt.want {
				if strings.HasPrefix(name, ".junest-") || tt.name == "edited wrapper kept without force" && name == "prog" {
					continue
				}
				checkWrapper(t, e, dir, name)
			}
		})
	}
}

// editWrapper replaces a wrapper's content and makes it mode 0700.
func editWrapper(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o700); err != nil {
		t.Fatal(err)
	}
}

// fakeJunest writes a junest that prints JUNEST_HOME and its arguments,
// one a line, into a new directory and returns it.
func fakeJunest(t *testing.T) (dir, path string) {
	t.Helper()
	dir = tempDir(t)
	path = filepath.Join(dir, "junest")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nprintf '%s\\n' \"JUNEST_HOME=$JUNEST_HOME\" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func TestWrapperScriptRuns(t *testing.T) {
	fakeDir, fake := fakeJunest(t)
	tmp := tempDir(t)
	const sysPath = "/usr/local/bin:/usr/bin:/bin"
	tests := []struct {
		name string
		home string
		// junest is the junest path embedded in the wrapper; "" is the
		// fake one.
		junest string
		prog   string
		args   []string
		env    []string
		want   []string
	}{
		{
			name: "JUNEST_ARGS with quotes",
			home: "/opt/junest", prog: "prog",
			args: []string{"a b", "c"},
			env:  []string{"PATH=" + sysPath, `JUNEST_ARGS=proot -f -b "-k 3.10"`},
			want: []string{"JUNEST_HOME=/opt/junest", "proot", "-f", "-b", "-k 3.10", "--", "prog", "a b", "c"},
		},
		{
			name: "JUNEST_ARGS unset",
			home: "/opt/junest", prog: "prog",
			args: []string{"a b", "c"},
			env:  []string{"PATH=" + sysPath},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog", "a b", "c"},
		},
		{
			name: "JUNEST_ARGS empty",
			home: "/opt/junest", prog: "prog",
			env:  []string{"PATH=" + sysPath, "JUNEST_ARGS="},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog"},
		},
		{
			name: "arguments that look like options and globs",
			home: "/opt/junest", prog: "prog",
			args: []string{"--", "-x", "*", "$HOME", "it's", ""},
			env:  []string{"PATH=" + sysPath, "HOME=/home/u"},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog", "--", "-x", "*", "$HOME", "it's", ""},
		},
		{
			name: "home and program with spaces and quotes",
			home: "/opt/my junest's home", prog: "my prog's",
			args: []string{"x"},
			env:  []string{"PATH=" + sysPath},
			want: []string{"JUNEST_HOME=/opt/my junest's home", "ns", "--", "my prog's", "x"},
		},
		{
			name: "JUNEST_HOME of the caller replaced",
			home: "/opt/junest", prog: "prog",
			env:  []string{"PATH=" + sysPath, "JUNEST_HOME=/elsewhere"},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog"},
		},
		{
			name: "junest from PATH when the embedded one is gone",
			home: "/opt/junest", junest: filepath.Join(tmp, "nonexistent/junest"), prog: "prog",
			env:  []string{"PATH=" + fakeDir + ":" + sysPath},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog"},
		},
		{
			name: "JUNEST_ORIGINAL_PATH restored",
			home: "/opt/junest", junest: filepath.Join(tmp, "nonexistent/junest"), prog: "prog",
			env:  []string{"PATH=" + sysPath, "JUNEST_ORIGINAL_PATH=" + fakeDir + ":" + sysPath},
			want: []string{"JUNEST_HOME=/opt/junest", "ns", "--", "prog"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			junest := tt.junest
			if junest == "" {
				junest = fake
			}
			w := filepath.Join(tmp, "wrapper"+string(rune('a'+i)))
			if err := os.WriteFile(w, []byte(wrapperScript(tt.home, junest, tt.prog)), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(w, tt.args...)
			cmd.Env = tt.env
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("wrapper: %v (stderr %q)", err, errOutput(err))
			}
			if want := strings.Join(tt.want, "\n") + "\n"; string(out) != want {
				t.Errorf("the fake junest got\n%q\nwant\n%q", out, want)
			}
		})
	}
}

func errOutput(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// TestWrapperScriptOddNames: a program name with $, ` or " reaches junest
// unchanged: the name is never part of the string eval runs.
func TestWrapperScriptOddNames(t *testing.T) {
	_, fake := fakeJunest(t)
	tmp := tempDir(t)
	for i, prog := range []string{"a$HOME", `a"b`, "a`true`b", `a\b`} {
		t.Run(prog, func(t *testing.T) {
			w := filepath.Join(tmp, "wrapper"+string(rune('a'+i)))
			if err := os.WriteFile(w, []byte(wrapperScript("/opt/junest", fake, prog)), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(w)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/home/u"}
			out, err := cmd.Output()
			if want := "JUNEST_HOME=/opt/junest\nns\n--\n" + prog + "\n"; err != nil || string(out) != want {
				t.Errorf("wrapper of %q: %q (%v %s), want %q", prog, out, err, errOutput(err), want)
			}
		})
	}
}
