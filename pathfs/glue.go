package pathfs

import (
	"os"
	"path/filepath"
)

// The glue tree stands in for guest directories that are missing from the
// rootfs but lead to a binding, like PRoot's glue (src/path/glue.c): for
// -b /x:/opt/new/dir/x with no /opt/new in the rootfs, the glue tree gets
// opt/new/dir/x and /opt/new is bound to it, so that the guest can list
// /opt/new and /opt/new/dir. Glue paths mirror guest paths below glueDir.
// The tree holds only empty directories and files, never executables, so a
// /tmp mounted noexec is fine.

// glue makes the guest path g reachable although its ancestor a, the first
// component missing from the view, does not exist. dir is the type of the
// binding's host, which the glue entry for g copies.
func (v *View) glue(g, a string, dir bool) error {
	pa := parentDir(a)
	var base string // host directory that stands for guest a
	ph := v.hostPath(pa)
	fresh := !v.inGlue(ph)
	if fresh {
		if err := v.ensureGlue(); err != nil {
			return err
		}
		base = v.glueDir + a
	} else {
		// a's parent is glue already: extending that tree makes a
		// appear without another binding.
		base = string(appendJoin(nil, ph, pathTail(a, pa)))
	}
	if err := makeGlue(base+g[len(a):], dir); err != nil {
		return err
	}
	if fresh {
		v.add(&entry{host: base, guest: a, kind: kindGlue})
	}
	return nil
}

// glueEntry lists the guest path g in its parent directory when that
// parent is glue, so that bindings added under existing glue show up too.
func (v *View) glueEntry(g string, dir bool) error {
	if g == "/" || v.glueDir == "" {
		return nil
	}
	pg := parentDir(g)
	ph := v.hostPath(pg)
	if !v.inGlue(ph) {
		return nil
	}
	return makeGlue(string(appendJoin(nil, ph, pathTail(g, pg))), dir)
}

// inGlue reports whether the host path p lies in the glue tree.
func (v *View) inGlue(p string) bool {
	return v.glueDir != "" && hasPathPrefix(p, v.glueDir)
}

// ensureGlue creates the glue tree on first use.
func (v *View) ensureGlue() error {
	if v.glueDir != "" {
		return nil
	}
	d, err := os.MkdirTemp(os.TempDir(), "gproot-glue-*")
	if err != nil {
		return err
	}
	// Host paths must be canonical: $TMPDIR may go through a symlink.
	real, err := filepath.EvalSymlinks(d)
	if err != nil {
		os.RemoveAll(d)
		return err
	}
	v.glueDir = real
	return nil
}

// makeGlue creates the host path p and its missing parents as empty
// directories, or p as an empty file when dir is false. An existing p is
// kept whatever its type: the binding on it hides it anyway.
func makeGlue(p string, dir bool) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if _, err := os.Lstat(p); err == nil {
		return nil
	}
	if dir {
		return os.Mkdir(p, 0o755)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
