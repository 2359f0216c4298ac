// Command gproot runs a program inside a guest root file system without
// privileges, as proot(1) does: gproot [options] [--] [command [args...]].
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/gproot/gproot/tracer"
)

func init() {
	if tracer.IsStub() {
		// The stub must run its main goroutine on the main thread: that
		// is the thread the tracer attaches to.
		runtime.LockOSThread()
	}
}

func main() {
	if tracer.IsStub() {
		tracer.StubMain()
		return
	}
	os.Exit(gproot(os.Args, os.Environ()))
}

// gproot is the command without os.Exit: it returns the exit status.
func gproot(args, env []string) int {
	cfg, err := parse(args, env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: %v\n", err)
		return 1
	}
	if cfg == nil { // -h or -V
		return 0
	}
	return start(cfg)
}
