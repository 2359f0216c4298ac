package junest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// commonFiles are the host files every backend copies into the image
// (unless -n), for name resolution in the guest.
var commonFiles = []string{"/etc/host.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf"}

// userFiles are copied too when the guest runs as the real user.
var userFiles = []string{"/etc/hosts.equiv", "/etc/netgroup", "/etc/networks"}

// copyHostFiles copies the host files a guest needs into the image, as
// upstream JuNest does: the common ones always, and for a guest that runs
// as the real user (not fake root) also passwd and group from the host's
// user database, so that the user has a name in the guest. A file the
// host lacks or cannot read is skipped; a failure is a warning, never
// fatal.
func (e *Env) copyHostFiles(asUser bool) {
	files := commonFiles
	if asUser {
		files = append(append([]string{}, commonFiles...), userFiles...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if err := writeReplacing(filepath.Join(e.Home, f), data); err != nil {
			e.warn("cannot copy %s into the image: %v", f, err)
		}
	}
	if !asUser {
		return
	}
	for _, db := range []string{"passwd", "group"} {
		data, how := userDB(db, e.Vars)
		if how != "" {
			e.warn("%s", how)
		}
		if data == nil {
			continue
		}
		if err := writeReplacing(filepath.Join(e.Home, "etc", db), data); err != nil {
			e.warn("cannot copy the host's %s into the image: %v", db, err)
		}
	}
}

// userDB returns the host's passwd or group database: getent's (which
// also lists the users of LDAP, NIS, ... that the host's NSS knows), with
// the current user's entry added if the enumeration missed it; else
// /etc/DB's. how says why getent was not used, "" if it was.
func userDB(db string, vars []string) (data []byte, how string) {
	out, err := exec.Command("getent", db).Output()
	if err == nil && len(out) > 0 {
		var self string
		if db == "passwd" {
			self = strconv.Itoa(os.Getuid())
		} else {
			self = strconv.Itoa(os.Getgid())
		}
		if !hasID(out, self) {
			if extra, err := exec.Command("getent", db, self).Output(); err == nil {
				out = append(out, extra...)
			}
		}
		return out, ""
	}
	data, rerr := os.ReadFile("/etc/" + db)
	if rerr != nil {
		return nil, fmt.Sprintf("getent %s failed (%v) and /etc/%s cannot be read (%v): the guest keeps its own", db, err, db, rerr)
	}
	return data, fmt.Sprintf("getent %s failed or does not exist (%v): copying /etc/%s instead", db, err, db)
}

// hasID says whether a passwd or group file has an entry with that id
// (the third field).
func hasID(data []byte, id string) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		f := strings.SplitN(string(line), ":", 4)
		if len(f) >= 3 && f[2] == id {
			return true
		}
	}
	return false
}

// writeReplacing writes data to p through a temporary file renamed over
// it: a read-only p (a package's) is replaced, and a reader never sees it
// half-written.
func writeReplacing(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".junest-"+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// warn prints a warning on stderr.
func (e *Env) warn(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "junest: warning: "+format+"\n", a...)
}

// info prints a progress message on stderr, keeping stdout for the
// guest's output.
func (e *Env) info(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "junest: "+format+"\n", a...)
}
