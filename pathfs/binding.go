package pathfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Binding maps Host (absolute host path) onto Guest (absolute guest path),
// as proot -b host:guest does.
type Binding struct {
	Host  string
	Guest string
	// NoDeref is PRoot's "!" suffix: the last component of Guest is used
	// literally, so a guest symlink there is replaced by the binding
	// instead of being followed to its target. Intermediate components
	// are still resolved in the guest view, as in PRoot.
	NoDeref bool
}

// String formats b the way ParseBinding reads it.
func (b Binding) String() string {
	s := b.Host
	if b.Guest != b.Host {
		s += ":" + b.Guest
	}
	if b.NoDeref {
		s += "!"
	}
	return s
}

// ParseBinding parses a -b/-m argument: "host" or "host:guest", with an
// optional trailing "!" on the whole spec ("host:guest!") that sets NoDeref.
//
// The spec splits at the first ':', as PRoot's -b handler does. A leading
// "~" or "~/" in host expands to $HOME. A relative host path is made
// absolute against the process cwd, and so is a relative guest path (PRoot
// joins it to the cwd the same way, which makes "-b ." work). "host" alone
// means Guest == Host. Host is not resolved here: NewView does that, and
// reports a missing host.
func ParseBinding(spec string) (Binding, error) {
	var b Binding
	s := spec
	if strings.HasSuffix(s, "!") {
		b.NoDeref = true
		s = s[:len(s)-1]
	}
	if s == "" {
		return Binding{}, fmt.Errorf("binding %q: empty spec", spec)
	}
	host, guest, hasGuest := strings.Cut(s, ":")
	if host == "" {
		return Binding{}, fmt.Errorf("binding %q: empty host path", spec)
	}
	if hasGuest && guest == "" {
		return Binding{}, fmt.Errorf("binding %q: empty guest path", spec)
	}
	host, err := expandHome(host)
	if err != nil {
		return Binding{}, fmt.Errorf("binding %q: %w", spec, err)
	}
	if b.Host, err = filepath.Abs(host); err != nil {
		return Binding{}, fmt.Errorf("binding %q: %w", spec, err)
	}
	switch {
	case !hasGuest:
		b.Guest = b.Host
	case guest[0] == '/':
		// Kept as given: NewView resolves "..", "." and symlinks in
		// the guest view, which a lexical clean here would get wrong.
		b.Guest = guest
	default:
		cwd, err := os.Getwd()
		if err != nil {
			return Binding{}, fmt.Errorf("binding %q: %w", spec, err)
		}
		b.Guest = cwd + "/" + guest
	}
	return b, nil
}

// expandHome replaces a leading "~" or "~/" with $HOME. "~user" is left
// alone: it is an ordinary relative name.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home := os.Getenv("HOME")
	if home == "" {
		return "", errors.New("cannot expand \"~\": $HOME is not set")
	}
	return home + p[1:], nil
}
