package junest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestShellCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"none", nil, []string{"/bin/sh", "-l"}},
		{"empty", []string{}, []string{"/bin/sh", "-l"}},
		{"plain", []string{"ls", "-l", "/a/b.c"}, []string{"/bin/sh", "-l", "-c", "exec ls -l /a/b.c"}},
		{"quoted", []string{"echo", "a b", "it's", "$HOME", ""}, []string{"/bin/sh", "-l", "-c", `exec echo 'a b' 'it'\''s' '$HOME' ''`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShellCommand(tt.args); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ShellCommand(%q) = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

// TestShellCommandRuns runs ShellCommand's command line through the real
// sh (without -l: the host's profile is no business of the test) and
// checks that the program gets its arguments unchanged.
func TestShellCommandRuns(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"echo", []string{"echo", "a b", "it's", "$HOME"}, "a b it's $HOME\n"},
		{"printf", []string{"printf", `[%s]\n`, "a  b", "", "*", "`id`", `"q"`, `back\slash`, "new\nline", "~", "a;b", "-n"},
			"[a  b]\n[]\n[*]\n[`id`]\n[\"q\"]\n[back\\slash]\n[new\nline]\n[~]\n[a;b]\n[-n]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv := ShellCommand(tt.args)
			if len(argv) != 4 || argv[1] != "-l" {
				t.Fatalf("ShellCommand = %q", argv)
			}
			cmd := exec.Command(argv[0], argv[2:]...)
			cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/should-not-appear"}
			cmd.Dir = t.TempDir()
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%q: %v (%s)", argv, err, errOutput(err))
			}
			if string(out) != tt.want {
				t.Errorf("output %q, want %q", out, tt.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "''"},
		{"safe", "a-b_c+d=e./f:g,h@i%j", "a-b_c+d=e./f:g,h@i%j"},
		{"space", "a b", "'a b'"},
		{"quote", "it's", `'it'\''s'`},
		{"dollar", "$x", "'$x'"},
		{"glob", "*", "'*'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shellQuote(tt.in); got != tt.want {
				t.Errorf("shellQuote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// existing is the paths that exist on the host, in order.
func existing(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// TestProotArgs: no "--" before the guest command (PRoot 5.1 refuses
// it; /bin/sh ends the options).
func TestProotArgs(t *testing.T) {
	userHome := t.TempDir()
	home := filepath.Join(t.TempDir(), "junest")
	bindings := func(paths ...string) []string {
		var out []string
		for _, p := range existing(paths...) {
			out = append(out, "-b", p)
		}
		return out
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name     string
		userHome string
		opts     RunOptions
		want     []string
		wantErr  string
	}{
		{
			name: "fakeroot with backend args", userHome: userHome,
			opts: RunOptions{Fakeroot: true, BackendArgs: `-k 3.10 -b "/a b:/c"`, Command: []string{"echo", "a b"}},
			want: cat([]string{"-0"}, bindings(userHome, "/tmp", "/proc", "/sys", "/dev"),
				[]string{"-r", home, "-k", "3.10", "-b", "/a b:/c", "/bin/sh", "-l", "-c", "exec echo 'a b'"}),
		},
		{
			name: "plain login shell", userHome: userHome,
			want: cat(bindings(userHome, "/tmp", "/proc", "/sys", "/dev"), []string{"-r", home, "/bin/sh", "-l"}),
		},
		{
			name: "missing user home not bound", userHome: filepath.Join(userHome, "nonexistent"),
			want: cat(bindings("/tmp", "/proc", "/sys", "/dev"), []string{"-r", home, "/bin/sh", "-l"}),
		},
		{
			name: "no user home",
			want: cat(bindings("/tmp", "/proc", "/sys", "/dev"), []string{"-r", home, "/bin/sh", "-l"}),
		},
		{
			name: "unbalanced quote", userHome: userHome,
			opts:    RunOptions{BackendArgs: `-b "/a b`},
			wantErr: `-b "-b \"/a b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{Home: home, UserHome: tt.userHome}
			got, err := e.ProotArgs(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ProotArgs = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ProotArgs =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestNSPlan(t *testing.T) {
	home := filepath.Join(t.TempDir(), "junest")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	run := "/run/user/" + strconv.Itoa(uid)
	vars := []string{"HOME=/home/u", "PATH=/host/bin", "X=1"}
	env := []string{"HOME=/home/u", "X=1", "PATH=" + GuestPath, "JUNEST_ENV=1"}
	mounts := func(userHome string) []Mount {
		var m []Mount
		if userHome != "" {
			m = append(m, Mount{Host: userHome, Guest: userHome})
		}
		return append(m,
			Mount{Host: "/tmp", Guest: "/tmp"},
			Mount{Host: "/sys", Guest: "/sys"},
			Mount{Host: "/proc", Guest: "/proc"},
			Mount{Host: "/dev", Guest: "/dev", Try: true},
			Mount{Host: run, Guest: run, Try: true},
		)
	}
	tests := []struct {
		name     string
		userHome string
		opts     RunOptions
		want     *NSPlan
		wantErr  string
	}{
		{
			name: "fakeroot", userHome: "/home/u",
			opts: RunOptions{Fakeroot: true, Command: []string{"id", "-u"}},
			want: &NSPlan{Root: home, Mounts: mounts("/home/u"), UID: 0, GID: 0, Cwd: wd, Home: "/home/u",
				Argv: []string{"/bin/sh", "-l", "-c", "exec id -u"}, Env: env},
		},
		{
			name: "as the user", userHome: "/home/u",
			want: &NSPlan{Root: home, Mounts: mounts("/home/u"), UID: uid, GID: gid, Cwd: wd, Home: "/home/u",
				Argv: []string{"/bin/sh", "-l"}, Env: env},
		},
		{
			name: "no user home",
			want: &NSPlan{Root: home, Mounts: mounts(""), UID: uid, GID: gid, Cwd: wd,
				Argv: []string{"/bin/sh", "-l"}, Env: env},
		},
		{
			name: "backend args refused", userHome: "/home/u",
			opts:    RunOptions{BackendArgs: "--bind /a /b"},
			wantErr: "takes no backend arguments",
		},
		{
			name: "unbalanced quote", userHome: "/home/u",
			opts:    RunOptions{BackendArgs: `'x`},
			wantErr: `-b "'x"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{Home: home, UserHome: tt.userHome, Vars: vars}
			got, err := e.NSPlan(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NSPlan = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NSPlan =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestBwrapArgs(t *testing.T) {
	home := "/opt/junest"
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	common := []string{"--bind", "/tmp", "/tmp", "--bind", "/sys", "/sys", "--bind", "/proc", "/proc",
		"--dev-bind-try", "/dev", "/dev", "--bind-try", run, run, "--unshare-user-try"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name     string
		userHome string
		opts     RunOptions
		want     []string
		wantErr  string
	}{
		{
			name: "fakeroot", userHome: "/home/u",
			opts: RunOptions{Fakeroot: true, BackendArgs: "--setenv A 'b c'", Command: []string{"ls", "/"}},
			want: cat([]string{"--bind", home, "/", "--bind", "/home/u", "/home/u"}, common,
				[]string{"--cap-add", "ALL", "--uid", "0", "--gid", "0", "--setenv", "A", "b c", "/bin/sh", "-l", "-c", "exec ls /"}),
		},
		{
			name: "as the user, no user home",
			want: cat([]string{"--bind", home, "/"}, common, []string{"/bin/sh", "-l"}),
		},
		{
			name:    "unbalanced quote",
			opts:    RunOptions{BackendArgs: `"x`},
			wantErr: `-b "\"x"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{Home: home, UserHome: tt.userHome}
			got, err := e.BwrapArgs(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BwrapArgs = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("BwrapArgs =\n%q\nwant\n%q", got, tt.want)
			}
			if !strings.HasPrefix(strings.Join(got, " "), "--bind "+home+" / ") {
				t.Errorf("BwrapArgs does not start with --bind %s /", home)
			}
			if has := strings.Contains(strings.Join(got, " "), " --cap-add ALL --uid 0 --gid 0 "); has != tt.opts.Fakeroot {
				t.Errorf("--cap-add ALL --uid 0 --gid 0 in it: %v, want %v", has, tt.opts.Fakeroot)
			}
		})
	}
}

func TestGrootPlan(t *testing.T) {
	home := "/opt/junest"
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	hostDir := t.TempDir()
	vars := []string{"PATH=/host/bin", "JUNEST_ENV=0"}
	env := []string{"PATH=" + GuestPath, "JUNEST_ENV=1"}
	base := func(userHome string) []Mount {
		var m []Mount
		for _, d := range []string{"/proc", "/sys", "/dev", "/run", "/tmp"} {
			m = append(m, Mount{Host: d, Guest: d, Try: true})
		}
		if userHome != "" {
			m = append(m, Mount{Host: userHome, Guest: userHome, Try: true})
		}
		return m
	}
	tests := []struct {
		name     string
		userHome string
		opts     RunOptions
		want     []Mount
		wantErr  string
		wantCode int
	}{
		{name: "defaults", userHome: "/home/u", want: base("/home/u")},
		{name: "no user home", want: base("")},
		{name: "-b HOST:GUEST", opts: RunOptions{BackendArgs: "-b /tmp:/x"},
			want: append(base(""), Mount{Host: "/tmp", Guest: "/x"})},
		{name: "--bind HOST and --bind=HOST:GUEST", opts: RunOptions{BackendArgs: "--bind " + hostDir + " --bind=/tmp:/y"},
			want: append(base(""), Mount{Host: hostDir, Guest: hostDir}, Mount{Host: "/tmp", Guest: "/y"})},
		{name: "quoted path with a space", opts: RunOptions{BackendArgs: `-b "` + hostDir + `:/with space"`},
			want: append(base(""), Mount{Host: hostDir, Guest: "/with space"})},
		{name: "missing host path", opts: RunOptions{BackendArgs: "-b " + hostDir + "/nonexistent:/x"},
			wantErr: "does not exist on the host", wantCode: ExitNoFile},
		{name: "relative path", opts: RunOptions{BackendArgs: "-b tmp:/x"},
			wantErr: "give absolute paths", wantCode: 1},
		{name: "relative guest path", opts: RunOptions{BackendArgs: "-b /tmp:x"},
			wantErr: "give absolute paths", wantCode: 1},
		{name: "unknown argument", opts: RunOptions{BackendArgs: "-k 3.10"},
			wantErr: `not "-k"`, wantCode: 1},
		{name: "-b without a value", opts: RunOptions{BackendArgs: "-b"},
			wantErr: `not "-b"`, wantCode: 1},
		{name: "unbalanced quote", opts: RunOptions{BackendArgs: "-b '/tmp"},
			wantErr: "-b", wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{Home: home, UserHome: tt.userHome, Vars: vars}
			tt.opts.Command = []string{"true"}
			got, err := e.GrootPlan(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("GrootPlan = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				if c := ExitCode(err); c != tt.wantCode {
					t.Errorf("ExitCode = %d, want %d", c, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &NSPlan{Root: home, Mounts: tt.want, Cwd: wd, Home: tt.userHome, Fallback: true,
				Argv: []string{"/bin/sh", "-l", "-c", "exec true"}, Env: env}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GrootPlan =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestRootPlan(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    RunOptions
		want    *NSPlan
		wantErr string
	}{
		{"plain", RunOptions{}, &NSPlan{Root: "/opt/junest", Home: "/home/u", Cwd: wd, Argv: []string{"/bin/sh", "-l"},
			Env: []string{"PATH=" + GuestPath, "JUNEST_ENV=1"}}, ""},
		{"backend args refused", RunOptions{BackendArgs: "--userspec=1:1"}, nil, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Env{Home: "/opt/junest", UserHome: "/home/u"}
			got, err := e.RootPlan(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RootPlan = %+v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RootPlan = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestGuestEnv(t *testing.T) {
	tests := []struct {
		name string
		vars []string
		want []string
	}{
		{"empty", nil, []string{"PATH=" + GuestPath, "JUNEST_ENV=1"}},
		{"replaces old values", []string{"A=1", "PATH=/x", "JUNEST_ENV=0", "PATH=/y", "B=2=3"},
			[]string{"A=1", "B=2=3", "PATH=" + GuestPath, "JUNEST_ENV=1"}},
		{"keeps look-alikes", []string{"PATHX=1", "JUNEST_ENV_X=1", "NOEQUALS"},
			[]string{"PATHX=1", "JUNEST_ENV_X=1", "NOEQUALS", "PATH=" + GuestPath, "JUNEST_ENV=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]string(nil), tt.vars...)
			got := guestEnv(tt.vars)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("guestEnv(%q) = %q, want %q", tt.vars, got, tt.want)
			}
			if !reflect.DeepEqual(in, tt.vars) {
				t.Errorf("guestEnv changed its argument to %q", tt.vars)
			}
		})
	}
}

func TestCheckNested(t *testing.T) {
	tests := []struct {
		name     string
		vars     []string
		wantCode int // 0: no error
	}{
		{"unset", []string{"A=1"}, 0},
		{"empty", []string{"JUNEST_ENV="}, 0},
		{"zero", []string{"JUNEST_ENV=0"}, 0},
		{"one", []string{"JUNEST_ENV=1"}, ExitNested},
		{"two", []string{"JUNEST_ENV=2"}, ExitBadEnv},
		{"last value counts", []string{"JUNEST_ENV=1", "JUNEST_ENV=0"}, 0},
		{"last value counts, nested", []string{"JUNEST_ENV=0", "JUNEST_ENV=1"}, ExitNested},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkNested(tt.vars)
			if tt.wantCode == 0 {
				if err != nil {
					t.Errorf("checkNested(%q) = %v, want nil", tt.vars, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkNested(%q) = nil, want exit status %d", tt.vars, tt.wantCode)
			}
			if c := ExitCode(err); c != tt.wantCode {
				t.Errorf("ExitCode = %d, want %d (%v)", c, tt.wantCode, err)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"plain error", errors.New("x"), 1},
		{"junest error", errorf(ExitNoFile, "x"), ExitNoFile},
		{"wrapped", fmt.Errorf("context: %w", errorf(ExitArchMismatch, "x")), ExitArchMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestNewEnv(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                      string
		vars                      []string
		home, tempDir, repo, user string
		wantErr                   string
	}{
		{name: "defaults", vars: []string{"HOME=/home/u"},
			home: "/home/u/.junest", tempDir: "/tmp", repo: DefaultRepo, user: "/home/u"},
		{name: "all set", vars: []string{"HOME=/home/u", "JUNEST_HOME=/opt/j/", "JUNEST_TEMPDIR=/var/tmp", "JUNEST_REPO=http://r/x//"},
			home: "/opt/j", tempDir: "/var/tmp", repo: "http://r/x", user: "/home/u"},
		{name: "relative JUNEST_HOME", vars: []string{"JUNEST_HOME=rel/j"},
			home: filepath.Join(wd, "rel/j"), tempDir: "/tmp", repo: DefaultRepo},
		{name: "JUNEST_HOME is /", vars: []string{"JUNEST_HOME=/.."}, wantErr: "JUNEST_HOME is /"},
		{name: "neither", vars: []string{"A=1"}, wantErr: "neither JUNEST_HOME nor HOME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEnv(tt.vars)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewEnv = %+v, %v; want an error containing %q", e, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Home != tt.home || e.TempDir != tt.tempDir || e.Repo != tt.repo || e.UserHome != tt.user {
				t.Errorf("NewEnv = home %q temp %q repo %q user %q; want %q %q %q %q",
					e.Home, e.TempDir, e.Repo, e.UserHome, tt.home, tt.tempDir, tt.repo, tt.user)
			}
			if !reflect.DeepEqual(e.Vars, tt.vars) {
				t.Errorf("Vars = %q", e.Vars)
			}
		})
	}
}

func TestSudoOwner(t *testing.T) {
	tests := []struct {
		name    string
		vars    []string
		want    []int
		wantErr bool
	}{
		{"not sudo", nil, nil, false},
		{"sudo by a user", []string{"SUDO_USER=u", "SUDO_UID=1000", "SUDO_GID=100"}, []int{1000, 100}, false},
		{"sudo by root", []string{"SUDO_USER=root", "SUDO_UID=0", "SUDO_GID=0"}, nil, false},
		{"no SUDO_USER", []string{"SUDO_UID=1000", "SUDO_GID=100"}, nil, false},
		{"not numbers", []string{"SUDO_USER=u", "SUDO_UID=x", "SUDO_GID=100"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sudoOwner(tt.vars)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sudoOwner(%q) = %v, %v; want %v, error %v", tt.vars, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestHasID(t *testing.T) {
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\nu:x:1000:100::/home/u:/bin/sh\nbad line\n")
	group := []byte("wheel:x:10:u\nusers:x:100:")
	tests := []struct {
		name string
		data []byte
		id   string
		want bool
	}{
		{"root", passwd, "0", true},
		{"user", passwd, "1000", true},
		{"gid is not uid", passwd, "100", false},
		{"prefix is not the id", passwd, "10", false},
		{"absent", passwd, "65534", false},
		{"group, last line without newline", group, "100", true},
		{"group", group, "10", true},
		{"empty data", nil, "0", false},
		{"empty id matches no line", passwd, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasID(tt.data, tt.id); got != tt.want {
				t.Errorf("hasID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestNSProbeWarnings(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write([]byte(s))
		z.Close()
		return b.Bytes()
	}
	const withNS = "CONFIG_A=y\nCONFIG_USER_NS=y\nCONFIG_B=m\n"
	const withoutNS = "CONFIG_A=y\n# CONFIG_USER_NS is not set\nCONFIG_USER_NS_X=y\n"
	tests := []struct {
		name string
		// files are the probe's files present: user, clone, max,
		// apparmor, config.gz, boot.
		files map[string][]byte
		// want are substrings of the warnings, one each, in order.
		want []string
	}{
		{"namespaces present, nothing else", map[string][]byte{"user": nil}, nil},
		{"clone sysctl 0", map[string][]byte{"user": nil, "clone": []byte("0\n")}, []string{"sysctl kernel.unprivileged_userns_clone=1"}},
		{"clone sysctl 1", map[string][]byte{"user": nil, "clone": []byte("1\n")}, nil},
		{"max_user_namespaces 0", map[string][]byte{"user": nil, "max": []byte("0\n")}, []string{"user.max_user_namespaces"}},
		{"max_user_namespaces set", map[string][]byte{"user": nil, "max": []byte("15000\n")}, nil},
		{"apparmor restricts", map[string][]byte{"user": nil, "apparmor": []byte("1\n")}, []string{"apparmor_restrict_unprivileged_userns=0"}},
		{"apparmor does not restrict", map[string][]byte{"user": nil, "apparmor": []byte("0\n")}, nil},
		{"all three", map[string][]byte{"user": nil, "clone": []byte("0"), "max": []byte("0"), "apparmor": []byte("1")},
			[]string{"kernel.unprivileged_userns_clone=1", "user.max_user_namespaces=15000", "apparmor_restrict_unprivileged_userns=0"}},
		{"no namespace file, no config", nil, []string{"could not tell"}},
		{"no namespace file, config.gz without USER_NS", map[string][]byte{"config.gz": gz(withoutNS)}, []string{"compile time"}},
		{"no namespace file, config.gz with USER_NS", map[string][]byte{"config.gz": gz(withNS)}, nil},
		{"no namespace file, USER_NS on the first line", map[string][]byte{"config.gz": gz("CONFIG_USER_NS=y\n")}, nil},
		{"no namespace file, boot config with USER_NS", map[string][]byte{"boot": []byte(withNS)}, nil},
		{"no namespace file, boot config without USER_NS", map[string][]byte{"boot": []byte(withoutNS)}, []string{"compile time"}},
		{"config.gz preferred to the boot config", map[string][]byte{"config.gz": gz(withoutNS), "boot": []byte(withNS)}, []string{"compile time"}},
		{"config.gz not gzip", map[string][]byte{"config.gz": []byte(withNS)}, []string{"could not tell"}},
		{"compiled in but disabled", map[string][]byte{"config.gz": gz(withNS), "clone": []byte("0")}, []string{"kernel.unprivileged_userns_clone=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := nsProbe{
				nsUser:         filepath.Join(dir, "user"),
				cloneSysctl:    filepath.Join(dir, "clone"),
				maxSysctl:      filepath.Join(dir, "max"),
				apparmorSysctl: filepath.Join(dir, "apparmor"),
				configGz:       filepath.Join(dir, "config.gz"),
				bootConfig:     filepath.Join(dir, "boot"),
			}
			for name, data := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := p.warnings()
			if len(got) != len(tt.want) {
				t.Fatalf("warnings = %q, want %d containing %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d %q does not contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestGetenvSetenv(t *testing.T) {
	vars := []string{"A=1", "B=x=y", "A=2", "C"}
	tests := []struct {
		name, key, want string
	}{
		{"last wins", "A", "2"},
		{"value with =", "B", "x=y"},
		{"no = is not set", "C", ""},
		{"absent", "D", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Getenv(vars, tt.key); got != tt.want {
				t.Errorf("Getenv(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
	t.Run("setenv replaces all", func(t *testing.T) {
		got := setenv(vars, "A", "3")
		if want := []string{"B=x=y", "C", "A=3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("setenv = %q, want %q", got, want)
		}
	})
}
