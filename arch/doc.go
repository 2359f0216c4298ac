// Package arch describes each supported CPU architecture's system-call
// register ABI: where the syscall number, arguments, result, stack pointer
// and program counter live in the ptrace register set, and how to read and
// write that set.
//
// The register mapping is plain data over plain structs and is compiled on
// every host, so each architecture is unit-tested everywhere. Only the
// ptrace get/set calls are build-tagged (ptrace_linux_<goarch>.go).
package arch
