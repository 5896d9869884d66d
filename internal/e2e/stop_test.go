package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestStoppedProviderIsMarkedUnavailable: a headless provider asked to stop
// (SIGTERM) marks itself unavailable in the Registry before it exits, so
// consumers stop choosing a dead endpoint; started again, it marks itself
// available.
func TestStoppedProviderIsMarkedUnavailable(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	prov := p.serve(true)
	if reg, err := m.chain.Provider(m.ctx, p.acct.Address); err != nil || !reg.Available {
		t.Fatalf("registered provider %+v (%v), want available", reg, err)
	}
	if err := prov.stop(time.Minute); err != nil {
		t.Fatalf("provide after SIGTERM: %v\n%s", err, prov.output())
	}
	if !strings.Contains(prov.stdout(), "marked unavailable in the Registry; stopped") {
		t.Fatalf("stop output:\n%s", prov.output())
	}
	if reg, err := m.chain.Provider(m.ctx, p.acct.Address); err != nil || reg.Available {
		t.Fatalf("stopped provider %+v (%v), want unavailable", reg, err)
	}
	again := p.serve(false)
	again.waitFor(availableRE, time.Minute)
	if reg, err := m.chain.Provider(m.ctx, p.acct.Address); err != nil || !reg.Available {
		t.Fatalf("restarted provider %+v (%v), want available", reg, err)
	}
}
