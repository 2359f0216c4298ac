// Command fileops is a static Go guest program for the gproot end-to-end
// tests. In the directory given as its argument it creates, writes,
// renames, stats, links, lists and removes files, and prints a report that
// is deterministic (no paths, pids, inode numbers or times), so the report
// of a run under gproot can be diffed against a native run.
//
//	usage: fileops DIR
//
// The exit status is 0 iff every step succeeded; on failure the report
// ends with a line starting "FAIL".
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const nfiles = 10

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fileops DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Printf("FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("all ok")
}

func content(i int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("file %d\n", i), i+1))
}

// list prints the entries of dir, sorted, with their kind and size.
func list(dir, label string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			return err
		}
		kind := "file"
		switch {
		case info.IsDir():
			kind = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			kind = "symlink"
		}
		size := fmt.Sprint(info.Size())
		if kind != "file" {
			size = "-" // directory and symlink sizes depend on the file system
		}
		names = append(names, fmt.Sprintf("  %s %s %s", e.Name(), kind, size))
	}
	slices.Sort(names)
	fmt.Printf("%s: %d entries\n", label, len(names))
	for _, n := range names {
		fmt.Println(n)
	}
	return nil
}

func run(dir string) error {
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		return err
	}
	for i := range nfiles {
		p := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(p, content(i), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("created %d files\n", nfiles)

	// Rename even files into sub/, odd ones in place.
	for i := range nfiles {
		from := filepath.Join(dir, fmt.Sprintf("f%d", i))
		to := filepath.Join(dir, fmt.Sprintf("g%d", i))
		if i%2 == 0 {
			to = filepath.Join(sub, fmt.Sprintf("g%d", i))
		}
		if err := os.Rename(from, to); err != nil {
			return err
		}
		if _, err := os.Lstat(from); !os.IsNotExist(err) {
			return fmt.Errorf("%s still there after rename: %v", filepath.Base(from), err)
		}
	}
	fmt.Println("renamed")

	// Relative symlink and hard link, resolved through the kernel.
	if err := os.Symlink("sub/g0", filepath.Join(dir, "link")); err != nil {
		return err
	}
	target, err := os.Readlink(filepath.Join(dir, "link"))
	if err != nil {
		return err
	}
	fmt.Printf("readlink link = %s\n", target)
	if err := os.Link(filepath.Join(dir, "g1"), filepath.Join(dir, "hard")); err != nil {
		return err
	}

	if err := list(dir, "dir"); err != nil {
		return err
	}
	if err := list(sub, "sub"); err != nil {
		return err
	}

	for i := range nfiles {
		p := filepath.Join(dir, fmt.Sprintf("g%d", i))
		if i%2 == 0 {
			p = filepath.Join(sub, fmt.Sprintf("g%d", i))
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, content(i)) {
			return fmt.Errorf("g%d: content differs", i)
		}
		fmt.Printf("stat g%d: size %d mode %v\n", i, st.Size(), st.Mode().Perm())
	}
	viaLink, err := os.ReadFile(filepath.Join(dir, "link"))
	if err != nil {
		return err
	}
	if !bytes.Equal(viaLink, content(0)) {
		return fmt.Errorf("link: content differs")
	}
	if err := os.Chmod(filepath.Join(dir, "g1"), 0o600); err != nil {
		return err
	}
	st, err := os.Stat(filepath.Join(dir, "hard"))
	if err != nil {
		return err
	}
	fmt.Printf("stat hard: mode %v (after chmod of g1)\n", st.Mode().Perm())

	if err := os.RemoveAll(sub); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return list(dir, "after remove")
}
