package tracer

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/pathfs"
)

// defaultPath is the search path when the environment has none, as
// execvp(3) of glibc uses.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// LookPath finds a command in the guest, as a shell would: a name with a
// slash is taken as it is (relative to cwd), any other is searched in the
// guest directories of pathEnv. It returns the guest path, relative to
// cwd if name or the PATH entry is.
func LookPath(v *pathfs.View, cwd, name, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		_, host, err := v.Resolve("/", cwd, name, true)
		if err != nil {
			return "", err
		}
		if err := executable(host); err != nil {
			return "", err
		}
		return name, nil
	}
	if pathEnv == "" {
		pathEnv = defaultPath
	}
	denied := false
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			dir = "."
		}
		guest := strings.TrimSuffix(dir, "/") + "/" + name
		_, host, err := v.Resolve("/", cwd, guest, true)
		if err != nil {
			continue
		}
		switch err := executable(host); err {
		case nil:
			return guest, nil
		case unix.EACCES, unix.EISDIR:
			denied = true
		}
	}
	if denied {
		return "", unix.EACCES
	}
	return "", errCommandNotFound
}

var errCommandNotFound = commandNotFound{}

type commandNotFound struct{}

func (commandNotFound) Error() string { return "command not found in the guest" }

// executable fails unless host is a regular file this user may execute.
func executable(host string) error {
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return unix.EISDIR
	default:
		return unix.EACCES
	}
	return unix.Access(host, unix.X_OK)
}
