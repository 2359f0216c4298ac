package junest

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// DefaultBinPath is the image directory whose programs get wrappers.
const DefaultBinPath = "/usr/bin"

// WrapperDir is where the wrappers of the image's binPath are, on the
// host: JUNEST_HOME/usr/bin_wrappers for /usr/bin.
func (e *Env) WrapperDir(binPath string) string {
	return filepath.Join(e.Home, binPath+"_wrappers")
}

// wrapperScript is the host-side script that runs the image's program
// name through junest: `junest ${JUNEST_ARGS:-ns} -- name "$@"`, with
// JUNEST_ARGS split as the shell splits words, in the JUNEST_HOME it
// belongs to.
func wrapperScript(home, junestBin, name string) string {
	return fmt.Sprintf(`#!/bin/sh
# Made by 'junest create-bin-wrappers': runs %[3]s of the JuNest image in
# %[1]s. JUNEST_ARGS (default "ns") chooses the backend and its options.
JUNEST_HOME=%[1]s
export JUNEST_HOME
if [ -n "${JUNEST_ORIGINAL_PATH:-}" ]; then PATH=$JUNEST_ORIGINAL_PATH; fi
junest=%[2]s
[ -x "$junest" ] || junest=junest
name=%[3]s
eval "set -- ${JUNEST_ARGS:-ns} -- \"\$name\" \"\$@\""
exec "$junest" "$@"
`, shellQuote(home), shellQuote(junestBin), shellQuote(name))
}

// CreateWrappers makes a wrapper on the host for each program of the
// image's binPath (default /usr/bin) in WrapperDir(binPath): executable
// files and symlinks (a link that points nowhere on the host may resolve
// in the guest), not directories. Existing wrappers are kept unless force;
// wrappers of programs the image no longer has are removed.
func (e *Env) CreateWrappers(force bool, binPath string) error {
	if err := e.requireInstalled(); err != nil {
		return err
	}
	if binPath == "" {
		binPath = DefaultBinPath
	}
	if !path.IsAbs(binPath) {
		return fmt.Errorf("-p %s: give the directory as an absolute path in the image, like /usr/bin", binPath)
	}
	binPath = path.Clean(binPath)
	src := filepath.Join(e.Home, binPath)
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("the image's %s: %w", binPath, err)
	}
	dir := e.WrapperDir(binPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("wrapper directory: %w", err)
	}
	junestBin, err := os.Executable()
	if err != nil {
		junestBin = "junest"
	}
	have := map[string]bool{}
	for _, ent := range entries {
		name := ent.Name()
		have[name] = true
		if ent.IsDir() {
			continue
		}
		if ent.Type()&os.ModeSymlink == 0 {
			info, err := ent.Info()
			if err != nil || info.Mode()&0o111 == 0 {
				continue
			}
		} else if st, err := os.Stat(filepath.Join(src, name)); err == nil && st.IsDir() {
			continue
		}
		w := filepath.Join(dir, name)
		if _, err := os.Lstat(w); err == nil && !force {
			continue
		}
		if err := writeReplacing(w, []byte(wrapperScript(e.Home, junestBin, name))); err != nil {
			return fmt.Errorf("wrapper %s: %w", name, err)
		}
		if err := os.Chmod(w, 0o755); err != nil {
			return fmt.Errorf("wrapper %s: %w", name, err)
		}
	}
	stale, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wrapper directory: %w", err)
	}
	for _, ent := range stale {
		if !have[ent.Name()] && !strings.HasPrefix(ent.Name(), ".junest-") {
			if err := os.Remove(filepath.Join(dir, ent.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("stale wrapper %s: %w", ent.Name(), err)
			}
		}
	}
	return nil
}
