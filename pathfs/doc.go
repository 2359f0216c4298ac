// Package pathfs translates paths between a guest's view of the file system
// (a rootfs plus bindings, as set by proot -r and -b) and the host's.
//
// It holds no ptrace code: a View is logic over an injected file-system
// access interface, so it is tested over t.TempDir and fuzzed without a
// tracee.
package pathfs
