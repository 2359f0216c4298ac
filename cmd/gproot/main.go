// Command gproot runs a program inside a guest root file system without
// privileges, as proot(1) does: gproot [options] [--] [command [args...]].
package main

import (
	"os"
	"runtime"

	"github.com/gproot/gproot/prootcmd"
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
	os.Exit(prootcmd.Main(os.Args, os.Environ()))
}
