package testkit

import (
	"flag"
	"fmt"
)

// DefaultFuzzMinimize sets -test.fuzzminimizetime to value unless the
// command line set it; call it from TestMain after flag.Parse. Go's
// default (60 s per new input) stalls a short fuzz pass: the minimizer
// tries a quadratic number of candidates and counts none of them, so the
// pass reports 0 execs/sec although no input is slow.
func DefaultFuzzMinimize(value string) error {
	const name = "test.fuzzminimizetime"
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	if set {
		return nil
	}
	if err := flag.Set(name, value); err != nil {
		return fmt.Errorf("testkit: setting -%s: %w", name, err)
	}
	return nil
}
