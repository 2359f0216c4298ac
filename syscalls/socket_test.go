package syscalls

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// sun builds a sockaddr_un: family AF_UNIX, then path, cut or padded to n
// bytes in all (n < 0: no padding).
func sun(path string, n int) []byte {
	b := append([]byte{unix.AF_UNIX, 0}, path...)
	if n >= 0 {
		for len(b) < n {
			b = append(b, 0)
		}
		b = b[:n]
	}
	return b
}

// TestUnixPath checks the decoding of a sockaddr_un (unix(7)).
func TestUnixPath(t *testing.T) {
	full := strings.Repeat("p", sunPathMax)
	for _, tc := range []struct {
		name string
		sa   []byte
		want string
		ok   bool
	}{
		{"path with NUL", sun("/tmp/s\x00", -1), "/tmp/s", true},
		{"path without NUL", sun("/tmp/s", -1), "/tmp/s", true},
		{"whole sockaddr_un, NUL padded", sun("/run/x.sock", 2+sunPathMax), "/run/x.sock", true},
		{"relative path", sun("s.sock\x00", -1), "s.sock", true},
		{"one-byte path", sun("a", -1), "a", true},
		{"sun_path full, no NUL", sun(full, -1), full, true},
		{"NUL inside ends the path", sun("ab\x00cd\x00", -1), "ab", true},
		{"abstract", sun("\x00abstract", -1), "", false},
		{"unnamed: family only", sun("", -1), "", false},
		{"too short", []byte{unix.AF_UNIX}, "", false},
		{"empty", nil, "", false},
		{"AF_INET", []byte{unix.AF_INET, 0, 0x1f, 0x90, 127, 0, 0, 1}, "", false},
		{"AF_INET6", append([]byte{unix.AF_INET6, 0}, make([]byte, 26)...), "", false},
		{"family in the high byte is not AF_UNIX", []byte{0, unix.AF_UNIX, '/', 'x', 0}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := unixPath(tc.sa)
			if got != tc.want || ok != tc.ok {
				t.Errorf("unixPath(%q) = (%q, %v), want (%q, %v)", tc.sa, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestSockaddrUnix checks the encoding of a sockaddr_un and that
// unixPath decodes it back.
func TestSockaddrUnix(t *testing.T) {
	for _, tc := range []struct {
		name    string
		path    string
		want    []byte // nil: the error
		wantErr error
	}{
		{name: "absolute", path: "/tmp/s", want: sun("/tmp/s\x00", -1)},
		{name: "relative", path: "s", want: sun("s\x00", -1)},
		{name: "107 bytes and the NUL fill sun_path", path: strings.Repeat("a", sunPathMax-1), want: sun(strings.Repeat("a", sunPathMax-1)+"\x00", -1)},
		{
			// unix(7): sun_path need not be NUL-terminated when the path
			// fills it; the kernel accepts addrlen = sizeof(sockaddr_un).
			name: "108 bytes fill sun_path without NUL", path: strings.Repeat("a", sunPathMax), want: sun(strings.Repeat("a", sunPathMax), -1),
		},
		{name: "109 bytes", path: strings.Repeat("a", sunPathMax+1), wantErr: unix.ENAMETOOLONG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sockaddrUnix(tc.path)
			if !errors.Is(err, tc.wantErr) || !bytes.Equal(got, tc.want) {
				t.Fatalf("sockaddrUnix(%q) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.wantErr)
			}
			if err != nil {
				return
			}
			if len(got) > 2+sunPathMax {
				t.Errorf("sockaddr of %d bytes is longer than struct sockaddr_un (%d)", len(got), 2+sunPathMax)
			}
			if back, ok := unixPath(got); !ok || back != tc.path {
				t.Errorf("unixPath(sockaddrUnix(%q)) = %q, %v", tc.path, back, ok)
			}
		})
	}
}
