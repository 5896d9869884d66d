package contracts_test

import (
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// advPCs maps program counters to source lines once for all adversary tests.
var advPCs pcLines

// escrowSite names the nth tagged site of code in the Escrow program.
func escrowSite(code contracts.ErrorCode, n int) site { return at("Escrow", code, n) }

// wantSite fails unless err is a logic rejection at exactly site s (its
// code, and the program counter mapped to that site's source line).
func (e *env) wantSite(t *testing.T, err error, s site) {
	t.Helper()
	if err == nil {
		t.Fatalf("attack accepted; want a rejection at %s", s)
	}
	if !contracts.IsCode(err, s.code) {
		t.Fatalf("rejected with %q; want %s\n%v", contracts.CodeOf(err), s, err)
	}
	lines := advPCs.get(t)
	byLine, all := siteIndex(t)
	ids := map[uint64]string{e.d.Apps.Registry: "Registry", e.d.Apps.Escrow: "Escrow", e.d.Apps.Badge: "BadgeMinter"}
	for id, n := range e.extra {
		ids[id] = n
	}
	got, pc, ok := failedSite(t, err, ids, s.app, lines, byLine)
	if !ok || got != s {
		t.Fatalf("failed at %v (pc %d, tagged %v); want %s (line %d)\n%v", got, pc, ok, s, all[s]+1, err)
	}
}

// createGroup is the typed client's create_job group for j, ungrouped, so a
// test can insert, reorder or replace transactions.
func (e *env) createGroup(j testJob) (pay, call types.Transaction) {
	e.t.Helper()
	g, err := e.c.BuildCreateJobGroup(e.ctx, j.Offer)
	if err != nil {
		e.t.Fatal(err)
	}
	g[0].Group, g[1].Group = types.Digest{}, types.Digest{}
	return g[0], g[1]
}

// escrowBalance is the Escrow app account's balance.
func (e *env) escrowBalance() uint64 {
	e.t.Helper()
	return e.balanceOf(e.escrowAddr())
}
