package app

import (
	"context"
	"strings"
	"testing"
)

// TestCommandTableIsWellFormed checks that every verb is registered once,
// runs something and is listed in the usage text with its summary.
func TestCommandTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	usage := usageText()
	for _, c := range commandTable() {
		if c.name == "" || c.summary == "" || c.run == nil {
			t.Errorf("command %+v lacks a name, summary or run", c)
		}
		if seen[c.name] {
			t.Errorf("command %q registered twice", c.name)
		}
		seen[c.name] = true
		if !strings.Contains(usage, "  "+strings.TrimSpace(c.name+" "+c.synopsis)) || !strings.Contains(usage, c.summary) {
			t.Errorf("usage does not list %q:\n%s", c.name, usage)
		}
		if got, ok := lookupCommand(c.name); !ok || got.name != c.name {
			t.Errorf("lookupCommand(%q) = %q, %v", c.name, got.name, ok)
		}
	}
	if _, ok := lookupCommand("frobnicate"); ok {
		t.Error("lookupCommand found an unregistered verb")
	}
}

// TestEveryCommandHasItsOwnHelp runs `kinetic CMD -h` for every command:
// each has its own flag set, prints its own usage line and succeeds.
func TestEveryCommandHasItsOwnHelp(t *testing.T) {
	for _, c := range commandTable() {
		if c.name == "help" {
			continue // help prints the global usage; see TestRunHelp
		}
		t.Run(c.name, func(t *testing.T) {
			r, stdout, stderr := testRunner(t)
			if err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), c.name, "-h"}); err != nil {
				t.Fatalf("%s -h: %v", c.name, err)
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, "usage: kinetic "+c.name) {
				t.Fatalf("%s -h printed no usage of its own:\n%s", c.name, out)
			}
		})
	}
}

// TestUnknownCommandNamesHelp checks the error for a verb not in the table.
func TestUnknownCommandNamesHelp(t *testing.T) {
	r, _, _ := testRunner(t)
	err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), "frobnicate"})
	if err == nil || err.Error() != `unknown command "frobnicate" (run 'kinetic help')` {
		t.Fatalf("err = %v", err)
	}
}
