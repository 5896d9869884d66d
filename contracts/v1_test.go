package contracts_test

import (
	"encoding/binary"
	"encoding/json"
	"os"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// v1 is a deployment of the v1 programs kept in testdata/v1 (their
// committed ARC-56 specs), driven by raw ABI calls, so that each attack
// the v2 programs stop can be shown to work against v1.
type v1 struct {
	e                *env
	reg, esc, badge  uint64
	regAddr, escAddr types.Address
}

func (e *env) deployV1() *v1 {
	e.t.Helper()
	ids := map[string]uint64{}
	for _, name := range appNames {
		b, err := os.ReadFile("testdata/v1/" + name + ".arc56.json")
		if err != nil {
			e.t.Fatal(err)
		}
		var spec contracts.Spec
		if err := json.Unmarshal(b, &spec); err != nil {
			e.t.Fatal(err)
		}
		approval, clear, err := spec.Programs()
		if err != nil {
			e.t.Fatal(err)
		}
		res, err := e.sendTxns([]actor{e.creator}, e.createTxn(e.creator, name, approval, clear, types.NoOpOC, nil))
		if err != nil {
			e.t.Fatalf("create v1 %s: %v", name, err)
		}
		info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[0]).Do(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		ids[name] = info.ApplicationIndex
		e.extra[info.ApplicationIndex] = "v1 " + name
		if _, err := e.sendTxns([]actor{e.creator}, e.pay(e.creator, crypto.GetApplicationAddress(info.ApplicationIndex), 100_000).Txn); err != nil {
			e.t.Fatal(err)
		}
	}
	v := &v1{e: e, reg: ids["Registry"], esc: ids["Escrow"], badge: ids["BadgeMinter"],
		regAddr: crypto.GetApplicationAddress(ids["Registry"]), escAddr: crypto.GetApplicationAddress(ids["Escrow"])}
	h := make([]byte, 32)
	for _, k := range []rawCall{
		{app: v.reg, sig: registryConfigureSig, args: []interface{}{v.esc, v.badge, 1000, 2000, 3000}},
		{app: v.esc, sig: escrowConfigureSig, args: []interface{}{v.reg, 1, 5000, 1, 5000}},
		{app: v.badge, sig: badgeConfigureSig, args: []interface{}{v.reg, "ipfs://x#arc3", h, "ipfs://y#arc3", h, "ipfs://z#arc3", h}},
	} {
		if err := e.call(e.creator, k); err != nil {
			e.t.Fatalf("configure v1: %v", err)
		}
	}
	return v
}

func (v *v1) providerBox(a types.Address) types.AppBoxReference {
	return types.AppBoxReference{AppID: v.reg, Name: append([]byte{'p'}, a[:]...)}
}

func (v *v1) jobBox(id [32]byte) types.AppBoxReference {
	return types.AppBoxReference{AppID: v.esc, Name: append([]byte{'j'}, id[:]...)}
}

func (v *v1) register(a actor) {
	v.e.t.Helper()
	info := testInfo()
	mbr := contracts.BoxMBR(33, 129+8+len(info.Endpoint)+len(info.GPUModel)+len(info.Driver)+len(info.CUDA))
	if err := v.e.call(a, rawCall{app: v.reg, sig: registerSig, args: infoArgs(info, v.e.pay(a, v.regAddr, mbr)),
		boxes: []types.AppBoxReference{v.providerBox(a.addr)}}); err != nil {
		v.e.t.Fatalf("v1 register: %v", err)
	}
}

// createJob is v1's create_job, sent by the consumer, naming any provider
// and any unused id.
func (v *v1) createJob(cons actor, provider types.Address, id [32]byte, rate, locked, deadline, window uint64) error {
	return v.e.call(cons, rawCall{app: v.esc, sig: "create_job(byte[32],address,uint64,uint64,uint64,byte[32],pay)void", inner: 1,
		args: []interface{}{id[:], provider[:], rate, deadline, window, make([]byte, 32), v.e.pay(cons, v.escAddr, locked+102_500)},
		apps: []uint64{v.reg}, boxes: []types.AppBoxReference{v.jobBox(id), v.providerBox(provider)}})
}

func (v *v1) submit(p actor, id [32]byte, seconds uint64) error {
	return v.e.call(p, rawCall{app: v.esc, sig: "submit_result(byte[32],byte[32],byte[32],uint64)void",
		args: []interface{}{id[:], proofHash[:], outputHash[:], seconds}, boxes: []types.AppBoxReference{v.jobBox(id)}})
}

// settle calls release, refund, dispute or claim with room for three inner
// transactions (two payments and record_job).
func (v *v1) settle(a actor, method string, id [32]byte, cons, provider types.Address) error {
	return v.e.call(a, rawCall{app: v.esc, sig: method + "(byte[32])void", args: []interface{}{id[:]}, inner: 3,
		apps: []uint64{v.reg, v.badge}, accounts: []string{cons.String(), provider.String()},
		boxes: []types.AppBoxReference{v.jobBox(id), v.providerBox(provider)}})
}

func (v *v1) deregister(p actor) error {
	return v.e.call(p, rawCall{app: v.reg, sig: "deregister()void", inner: 1, boxes: []types.AppBoxReference{v.providerBox(p.addr)}})
}

// counters reads v1's provider counters: completed, failed, compute seconds.
func (v *v1) counters(a types.Address) (completed, failed, seconds uint64) {
	v.e.t.Helper()
	b, err := v.e.c.Algod().GetApplicationBoxByName(v.reg, v.providerBox(a).Name).Do(v.e.ctx)
	if err != nil {
		v.e.t.Fatalf("v1 provider box: %v", err)
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b.Value[off:]) }
	return u(81), u(89), u(105)
}

func (v *v1) jobExists(id [32]byte) bool {
	_, err := v.e.c.Algod().GetApplicationBoxByName(v.esc, v.jobBox(id).Name).Do(v.e.ctx)
	return err == nil
}
