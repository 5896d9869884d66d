// Package fuzzfloor holds two fuzz targets for scripts/fuzz.sh's test: one
// that runs freely and one that stalls on every input.
package fuzzfloor

import (
	"testing"
	"time"
)

func FuzzFast(f *testing.F) {
	f.Add([]byte("seed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			t.Fatal("unreachable")
		}
	})
}

func FuzzStall(f *testing.F) {
	f.Add([]byte("seed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		time.Sleep(10 * time.Millisecond)
	})
}
