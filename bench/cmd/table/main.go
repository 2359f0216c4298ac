// Command table turns the output of the bench benchmarks into a Markdown
// table: one row per workload, the ns/op of each runner, and the ratios
// gproot/native and gproot/proot.
//
//	go test -run '^$' -bench . ./bench | go run ./bench/cmd/table
//
// It reads `go test -bench` output on stdin and keeps the lines named
// BenchmarkNAME/KIND/RUNNER[-P] that carry an ns/op value; other lines are
// ignored. When a benchmark appears more than once (-count), the median is
// used. A missing value or ratio prints as "n/a".
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Runner names, as in bench/bench_test.go.
const (
	native     = "native"
	gproot     = "gproot"
	noSeccomp  = "gproot-noseccomp"
	prootName  = "proot"
	nsPerOp    = "ns/op"
	notPresent = "n/a"
)

// runners are the table's ns/op columns, in order.
var runners = []string{native, gproot, noSeccomp, prootName}

// kinds are the known workloads, in row order. Unknown kinds follow them,
// in order of appearance.
var kinds = []string{"getpid", "stat", "open", "forkwait", "forkexec"}

// labels name the rows of the kinds whose name is not self-explanatory.
var labels = map[string]string{
	"open":     "open+close",
	"forkwait": "fork+wait",
	"forkexec": "fork+exec of /bin/true",
}

// results holds the ns/op samples by kind, then runner, and the kinds in
// order of first appearance.
type results struct {
	samples map[string]map[string][]float64
	order   []string
}

// parse reads `go test -bench` output.
func parse(r io.Reader) (*results, error) {
	res := &results{samples: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		kind, runner, ns, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		byRunner := res.samples[kind]
		if byRunner == nil {
			byRunner = map[string][]float64{}
			res.samples[kind] = byRunner
			res.order = append(res.order, kind)
		}
		byRunner[runner] = append(byRunner[runner], ns)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res.order) == 0 {
		return nil, errors.New("no benchmark results named BenchmarkNAME/KIND/RUNNER with an ns/op value")
	}
	return res, nil
}

// parseLine parses one result line such as
//
//	BenchmarkSyscalls/getpid/native-8   	 1000000	        52.31 ns/op
//
// into ("getpid", "native", 52.31). The kind is everything between the
// top-level name and the runner, so it may itself contain slashes.
func parseLine(line string) (kind, runner string, ns float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", 0, false
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return "", "", 0, false // not a result line, e.g. a log line
	}
	parts := strings.Split(trimProcs(f[0]), "/")
	if len(parts) < 3 {
		return "", "", 0, false
	}
	runner = parts[len(parts)-1]
	kind = strings.Join(parts[1:len(parts)-1], "/")
	// The rest are value-unit pairs.
	for i := 2; i+1 < len(f); i += 2 {
		if f[i+1] != nsPerOp {
			continue
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", 0, false
		}
		return kind, runner, v, true
	}
	return "", "", 0, false
}

// trimProcs drops the -GOMAXPROCS suffix that go test adds to the name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i < strings.LastIndexByte(name, '/') {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// value returns the median ns/op of kind under runner.
func (r *results) value(kind, runner string) (float64, bool) {
	s := slices.Clone(r.samples[kind][runner])
	if len(s) == 0 {
		return 0, false
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// rows returns the kinds to print: the known ones first, in their order.
func (r *results) rows() []string {
	var rows []string
	for _, k := range kinds {
		if _, ok := r.samples[k]; ok {
			rows = append(rows, k)
		}
	}
	for _, k := range r.order {
		if !slices.Contains(kinds, k) {
			rows = append(rows, k)
		}
	}
	return rows
}

// label is the row label of kind.
func label(kind string) string {
	if l, ok := labels[kind]; ok {
		return l
	}
	return kind
}

// render writes the Markdown table.
func render(w io.Writer, r *results) error {
	var b strings.Builder
	b.WriteString("| benchmark |")
	for _, rn := range runners {
		fmt.Fprintf(&b, " %s ns/op |", rn)
	}
	b.WriteString(" gproot/native | gproot/proot |\n|---|")
	for range runners {
		b.WriteString("---:|")
	}
	b.WriteString("---:|---:|\n")
	for _, kind := range r.rows() {
		fmt.Fprintf(&b, "| %s |", escape(label(kind)))
		for _, rn := range runners {
			v, ok := r.value(kind, rn)
			fmt.Fprintf(&b, " %s |", formatNs(v, ok))
		}
		g, gok := r.value(kind, gproot)
		n, nok := r.value(kind, native)
		p, pok := r.value(kind, prootName)
		fmt.Fprintf(&b, " %s | %s |\n", ratio(g, gok, n, nok), ratio(g, gok, p, pok))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatNs prints a time in ns with about three significant digits.
func formatNs(v float64, ok bool) string {
	switch {
	case !ok:
		return notPresent
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// ratio prints a/b with two decimals, or n/a.
func ratio(a float64, aok bool, b float64, bok bool) string {
	if !aok || !bok || b <= 0 {
		return notPresent
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}

// escape keeps a label from breaking the table.
func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func main() {
	res, err := parse(os.Stdin)
	if err == nil {
		err = render(os.Stdout, res)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "table: %v\n", err)
		os.Exit(1)
	}
}
