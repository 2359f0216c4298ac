package main

import (
	"strings"
	"testing"
)

// benchOutput is `go test -bench` output as bench produces it, shuffled,
// with a repeated result (-count), log lines, a skipped runner and an
// unknown kind.
const benchOutput = `goos: linux
goarch: amd64
pkg: github.com/gproot/gproot/bench
cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
BenchmarkSyscalls/getpid/native-2         	22435110	        53.20 ns/op
BenchmarkSyscalls/getpid/gproot-2         	19775521	        60.00 ns/op
BenchmarkSyscalls/getpid/gproot-noseccomp-2         	  100000	     12345 ns/op
BenchmarkSyscalls/getpid/proot-2          	  120000	     10000 ns/op
--- BENCH: BenchmarkSyscalls/getpid/proot-2
    bench_test.go:262: proot: start-up 12.3ms (median of 5 runs with N=0)
BenchmarkSyscalls/stat/native-2           	 2000000	       500.0 ns/op
BenchmarkSyscalls/stat/native-2           	 2000000	       700.0 ns/op
BenchmarkSyscalls/stat/native-2           	 2000000	       600.0 ns/op
BenchmarkSyscalls/stat/gproot-2           	  100000	     15000 ns/op
BenchmarkSyscalls/forkexec/native-2       	    2000	    500000 ns/op	         0 B/op
BenchmarkSyscalls/forkexec/gproot-2       	    1000	   1250000 ns/op
BenchmarkSyscalls/forkexec/proot-2        	    1000	         0 ns/op
BenchmarkSyscalls/open/gproot-noseccomp
    bench_test.go:270: set GPROOT_ROOTFS to a Debian rootfs (make bench does, from testdata/mkrootfs.sh)
BenchmarkSyscalls/open/native-2           	 1000000	      1.234 ns/op
BenchmarkSyscalls/mmap/gproot-2           	 1000000	      7.5 ns/op
BenchmarkOther-2                          	 1000000	      7.5 ns/op
PASS
ok  	github.com/gproot/gproot/bench	42.1s
`

func TestRender(t *testing.T) {
	res, err := parse(strings.NewReader(benchOutput))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := render(&b, res); err != nil {
		t.Fatal(err)
	}
	want := `| benchmark | native ns/op | gproot ns/op | gproot-noseccomp ns/op | proot ns/op | gproot/native | gproot/proot |
|---|---:|---:|---:|---:|---:|---:|
| getpid | 53.2 | 60.0 | 12345 | 10000 | 1.13 | 0.01 |
| stat | 600 | 15000 | n/a | n/a | 25.00 | n/a |
| open+close | 1.23 | n/a | n/a | n/a | n/a | n/a |
| fork+exec of /bin/true | 500000 | 1250000 | n/a | 0.00 | 2.50 | n/a |
| mmap | n/a | 7.50 | n/a | n/a | n/a | n/a |
`
	if got := b.String(); got != want {
		t.Errorf("render:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name, line   string
		kind, runner string
		ns           float64
		ok           bool
	}{
		{"with procs", "BenchmarkSyscalls/getpid/native-8 \t 100 \t 52.5 ns/op", "getpid", "native", 52.5, true},
		{"without procs", "BenchmarkSyscalls/stat/proot 10 7 ns/op", "stat", "proot", 7, true},
		{"runner with dash", "BenchmarkSyscalls/open/gproot-noseccomp-2 10 9 ns/op", "open", "gproot-noseccomp", 9, true},
		{"nested kind", "BenchmarkSyscalls/a/b/gproot-2 10 9 ns/op", "a/b", "gproot", 9, true},
		{"ns/op after other metric", "BenchmarkSyscalls/open/native-2 10 3 B/op 9 ns/op", "open", "native", 9, true},
		{"no ns/op", "BenchmarkSyscalls/open/native-2 10 3 B/op", "", "", 0, false},
		{"top level only", "BenchmarkSyscalls-2 10 9 ns/op", "", "", 0, false},
		{"no runner", "BenchmarkSyscalls/getpid-2 10 9 ns/op", "", "", 0, false},
		{"skipped", "BenchmarkSyscalls/getpid/proot", "", "", 0, false},
		{"bench log header", "--- BENCH: BenchmarkSyscalls/getpid/proot-2", "", "", 0, false},
		{"bad value", "BenchmarkSyscalls/getpid/proot-2 10 x ns/op", "", "", 0, false},
		{"summary", "ok  \tgithub.com/gproot/gproot/bench\t42.1s", "", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, runner, ns, ok := parseLine(tt.line)
			if kind != tt.kind || runner != tt.runner || ns != tt.ns || ok != tt.ok {
				t.Errorf("parseLine(%q) = %q, %q, %v, %v; want %q, %q, %v, %v",
					tt.line, kind, runner, ns, ok, tt.kind, tt.runner, tt.ns, tt.ok)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	if _, err := parse(strings.NewReader("PASS\nok  \tx\t0.1s\n")); err == nil {
		t.Error("parse of output without results: no error")
	}
}
