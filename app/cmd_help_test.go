package app

import (
	"context"
	"strings"
	"testing"
)

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--data-dir", t.TempDir(), "help"}} {
		r, stdout, stderr := testRunner(t)
		if err := r.run(context.Background(), args); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		out := stdout.String() + stderr.String()
		for _, want := range []string{"localnet up|down|status|reset", "verify [flags] proof.json", "gpus [--samples N]", "-data-dir", "-algod-token"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q: usage lacks %q:\n%s", args, want, out)
			}
		}
	}
}

func TestRunHelpTakesNoArguments(t *testing.T) {
	r, _, _ := testRunner(t)
	err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), "help", "verify"})
	if err == nil || !strings.Contains(err.Error(), "kinetic help (takes no arguments)") {
		t.Fatalf("err = %v", err)
	}
}
