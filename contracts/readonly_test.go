package contracts_test

import (
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
)

// TestReadOnlyGetters: the ARC-22 getters answer what the boxes hold, and
// name a missing provider or job.
func TestReadOnlyGetters(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000), x: newActor(t, 1_000_000)}
	viaBox, err := e.c.Provider(e.ctx, f.p.addr)
	if err != nil {
		t.Fatal(err)
	}
	viaABI, err := e.c.GetProvider(e.ctx, f.x.addr, f.p.addr)
	if err != nil {
		t.Fatalf("get_provider: %v", err)
	}
	if viaABI != viaBox {
		t.Fatalf("get_provider %+v\nbox %+v", viaABI, viaBox)
	}
	_, err = e.c.GetProvider(e.ctx, f.x.addr, f.x.addr)
	wantCode(t, err, contracts.ErrNotRegistered)

	status := func(want uint8) {
		t.Helper()
		got, err := e.c.ProviderStatus(e.ctx, f.x.addr, f.p.addr)
		if err != nil || got != want {
			t.Fatalf("provider_status %d %v, want %d", got, err, want)
		}
	}
	status(2)
	if _, err := e.c.SetAvailable(e.ctx, f.p.addr, f.p.signer, false); err != nil {
		t.Fatal(err)
	}
	status(1)
	if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
		t.Fatal(err)
	}
	status(0)

	p2 := e.registered()
	id := e.openJob(fix{p: p2, cons: f.cons}, 100, 100)
	box, err := e.c.Job(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	abiJob, err := e.c.GetJob(e.ctx, f.x.addr, id)
	if err != nil || abiJob != box {
		t.Fatalf("get_job %+v %v\nbox %+v", abiJob, err, box)
	}
	_, err = e.c.GetJob(e.ctx, f.x.addr, contracts.JobIDFor(f.x.addr, f.cons.addr, contracts.Hash{1}))
	wantCode(t, err, contracts.ErrNoSuchJob)
}
