package arch

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRegsX8664MatchesPtraceRegs compares RegsX8664 with x/sys/unix's
// PtraceRegs, which is generated from the kernel headers on amd64.
func TestRegsX8664MatchesPtraceRegs(t *testing.T) {
	mine, theirs := reflect.TypeOf(RegsX8664{}), reflect.TypeOf(unix.PtraceRegs{})
	if mine.Size() != theirs.Size() {
		t.Fatalf("sizeof(RegsX8664) = %d, sizeof(unix.PtraceRegs) = %d", mine.Size(), theirs.Size())
	}
	if mine.NumField() != theirs.NumField() {
		t.Fatalf("%d fields, unix.PtraceRegs has %d", mine.NumField(), theirs.NumField())
	}
	for i := 0; i < mine.NumField(); i++ {
		a, b := mine.Field(i), theirs.Field(i)
		if a.Offset != b.Offset || !equalFold(a.Name, b.Name) {
			t.Errorf("field %d: %s at %d, unix.PtraceRegs has %s at %d", i, a.Name, a.Offset, b.Name, b.Offset)
		}
	}
}

// equalFold compares register names, ignoring case and underscores
// (OrigRax, Orig_rax; FsBase, Fs_base).
func equalFold(a, b string) bool {
	norm := func(s string) string {
		out := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '_' {
				continue
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
		}
		return string(out)
	}
	return norm(a) == norm(b)
}
