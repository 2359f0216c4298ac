package pathfs

import (
	"strings"
	"testing"
)

func TestParseBinding(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	t.Setenv("HOME", "/home/user")
	for _, tc := range []struct {
		name string
		spec string
		want Binding
		err  string // substring of the error; "" for success
	}{
		{name: "host only", spec: "/usr", want: Binding{Host: "/usr", Guest: "/usr"}},
		{name: "host and guest", spec: "/usr:/opt/usr", want: Binding{Host: "/usr", Guest: "/opt/usr"}},
		{name: "no deref", spec: "/h/resolv:/etc/resolv.conf!", want: Binding{Host: "/h/resolv", Guest: "/etc/resolv.conf", NoDeref: true}},
		{name: "host only, no deref", spec: "/tmp!", want: Binding{Host: "/tmp", Guest: "/tmp", NoDeref: true}},
		{name: "host cleaned", spec: "/usr//lib/../bin/", want: Binding{Host: "/usr/bin", Guest: "/usr/bin"}},
		{name: "guest kept for NewView", spec: "/usr:/a/../b/", want: Binding{Host: "/usr", Guest: "/a/../b/"}},
		{name: "relative host", spec: "data:/d", want: Binding{Host: cwd + "/data", Guest: "/d"}},
		{name: "dot", spec: ".", want: Binding{Host: cwd, Guest: cwd}},
		{name: "relative guest", spec: "/usr:rel", want: Binding{Host: "/usr", Guest: cwd + "/rel"}},
		{name: "tilde", spec: "~", want: Binding{Host: "/home/user", Guest: "/home/user"}},
		{name: "tilde slash", spec: "~/src:/src", want: Binding{Host: "/home/user/src", Guest: "/src"}},
		{name: "tilde user is a name", spec: "~bob:/b", want: Binding{Host: cwd + "/~bob", Guest: "/b"}},
		{name: "first colon splits", spec: "/a:/b:/c", want: Binding{Host: "/a", Guest: "/b:/c"}},
		{name: "empty", spec: "", err: "empty spec"},
		{name: "bang only", spec: "!", err: "empty spec"},
		{name: "colon only", spec: ":", err: "empty host"},
		{name: "empty host", spec: ":/guest", err: "empty host"},
		{name: "empty guest", spec: "/host:", err: "empty guest"},
		{name: "empty guest, no deref", spec: "/host:!", err: "empty guest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBinding(tc.spec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseBinding(%q) = %+v, %v; want error containing %q", tc.spec, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseBinding(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
			}
		})
	}
}

func TestParseBindingNoHome(t *testing.T) {
	t.Setenv("HOME", "")
	if b, err := ParseBinding("~/x"); err == nil {
		t.Fatalf("ParseBinding(\"~/x\") = %+v with $HOME unset; want an error", b)
	}
}

func TestBindingString(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    Binding
		want string
	}{
		{name: "symmetric", b: Binding{Host: "/usr", Guest: "/usr"}, want: "/usr"},
		{name: "moved", b: Binding{Host: "/usr", Guest: "/opt"}, want: "/usr:/opt"},
		{name: "no deref", b: Binding{Host: "/r", Guest: "/etc/r", NoDeref: true}, want: "/r:/etc/r!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.b.String(); got != tc.want {
				t.Fatalf("String() = %q; want %q", got, tc.want)
			}
			if back, err := ParseBinding(tc.want); err != nil || back != tc.b {
				t.Fatalf("ParseBinding(%q) = %+v, %v; want %+v", tc.want, back, err, tc.b)
			}
		})
	}
}
