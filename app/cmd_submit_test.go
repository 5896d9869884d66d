package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSubmit(t *testing.T) {
	r, _, _ := testRunner(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "job.json")
	if err := os.WriteFile(good, []byte(`{"version":1,"image":"busybox@sha256:`+strings.Repeat("a", 64)+`","cpus":1,"memoryMB":64,"maxSeconds":60,"network":"none"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version":9}`), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := r.parseSubmit([]string{"--provider", "http://rig:8402", "--max-price", "3600", "--wait", good})
	if err != nil {
		t.Fatalf("good: %v", err)
	}
	if o.provider != "http://rig:8402" || o.maxPrice != 3600 || !o.wait || o.spec.MaxSeconds != 60 {
		t.Fatalf("parsed %+v", o)
	}
	for _, args := range [][]string{{}, {good, good}, {bad}, {filepath.Join(dir, "missing.json")}} {
		if _, err := r.parseSubmit(args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
