// Package syscalls says, for every system call gproot handles, what is
// translated at its entry and at its exit: which arguments are paths and
// how their last symlink is followed, which results are host paths to turn
// back into guest paths, and how execve(2) loads a guest program.
//
// Calls are named by Sysno, an architecture-neutral number; each
// architecture maps its native numbers (arch.Nr) to Sysno through a Table.
// Handlers never see the tracer: they work through the Call interface.
package syscalls
