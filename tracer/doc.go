// Package tracer runs a guest command under ptrace(2), accelerated by a
// seccomp(2) filter that stops the tracee only at the syscalls gproot must
// translate. It owns the event loop, the tracees' state, their memory and
// the start-up stub.
//
// All ptrace and wait4 calls happen on one locked OS thread: Run locks it
// and never unlocks it, and functions documented "tracer thread" must only
// be called from Run's goroutine.
package tracer
