package contracts_test

import (
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

const registerSig = "register(string,string,uint64,uint64,uint64,uint64,string,string,uint64,uint64,uint64,pay)void"

func infoArgs(info contracts.ProviderInfo, pay transaction.TransactionWithSigner) []interface{} {
	return []interface{}{info.Endpoint, info.GPUModel, info.GPUCount, info.VRAMMB, info.CPUCores, info.RAMMB,
		info.Driver, info.CUDA, info.PricePerHour, info.MinJobSecs, info.MaxJobSecs, pay}
}

func (e *env) rawRegister(a actor, sig string, info contracts.ProviderInfo, pay transaction.TransactionWithSigner) error {
	return e.call(a, rawCall{app: e.d.Apps.Registry, sig: sig, args: infoArgs(info, pay),
		boxes: providerBox(e, a)})
}

func providerBox(e *env, a actor) []types.AppBoxReference {
	return []types.AppBoxReference{{AppID: e.d.Apps.Registry, Name: contracts.ProviderBoxName(a.addr)}}
}

func mbrOf(info contracts.ProviderInfo) uint64 {
	return contracts.BoxMBR(33, contracts.ProviderValueLen(info))
}

func registryRejections() []rejection {
	withInfo := func(mut func(*contracts.ProviderInfo)) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			info := testInfo()
			mut(&info)
			_, err := e.c.Register(e.ctx, f.x.addr, f.x.signer, info)
			return err
		}
	}
	return []rejection{
		{"register: twice", contracts.ErrAlreadyRegistered, func(e *env, f fix) error {
			_, err := e.c.Register(e.ctx, f.p.addr, f.p.signer, testInfo())
			return err
		}},
		{"register: MBR payment short by one", contracts.ErrPaymentAmount, func(e *env, f fix) error {
			return e.rawRegister(f.x, registerSig, testInfo(), e.pay(f.x, e.registryAddr(), mbrOf(testInfo())-1))
		}},
		{"register: MBR paid to someone else", contracts.ErrPaymentReceiver, func(e *env, f fix) error {
			return e.rawRegister(f.x, registerSig, testInfo(), e.pay(f.x, f.cons.addr, mbrOf(testInfo())))
		}},
		{"register: empty endpoint", contracts.ErrBadEndpoint, withInfo(func(i *contracts.ProviderInfo) { i.Endpoint = "" })},
		{"register: endpoint too long", contracts.ErrStringTooLong, withInfo(func(i *contracts.ProviderInfo) {
			i.Endpoint = "https://" + strings.Repeat("a", contracts.MaxEndpointLen)
		})},
		{"register: zero price", contracts.ErrBadPrice, withInfo(func(i *contracts.ProviderInfo) { i.PricePerHour = 0 })},
		{"register: min job above max", contracts.ErrBadJobBounds, withInfo(func(i *contracts.ProviderInfo) { i.MinJobSecs = i.MaxJobSecs + 1 })},
		{"update: not registered", contracts.ErrNotRegistered, func(e *env, f fix) error {
			return e.rawRegister(f.x, strings.Replace(registerSig, "register", "update", 1), testInfo(), e.pay(f.x, e.registryAddr(), 0))
		}},
		{"update: growth underpaid", contracts.ErrPaymentAmount, func(e *env, f fix) error {
			info := testInfo()
			info.Endpoint += "/more"
			return e.rawRegister(f.p, strings.Replace(registerSig, "register", "update", 1), info, e.pay(f.p, e.registryAddr(), 0))
		}},
		{"set_available: not registered", contracts.ErrNotRegistered, func(e *env, f fix) error {
			_, err := e.c.SetAvailable(e.ctx, f.x.addr, f.x.signer, true)
			return err
		}},
		{"heartbeat: not registered", contracts.ErrNotRegistered, func(e *env, f fix) error {
			_, err := e.c.Heartbeat(e.ctx, f.x.addr, f.x.signer)
			return err
		}},
		{"deregister: not registered", contracts.ErrNotRegistered, func(e *env, f fix) error {
			_, err := e.c.Deregister(e.ctx, f.x.addr, f.x.signer)
			return err
		}},
		{"record_job: from an account", contracts.ErrNotEscrow, func(e *env, f fix) error {
			_, err := e.c.RecordJob(e.ctx, f.x.addr, f.x.signer, f.p.addr, 1, 3600, 1_000_000)
			return err
		}},
		{"record_job: from the provider itself", contracts.ErrNotEscrow, func(e *env, f fix) error {
			_, err := e.c.RecordJob(e.ctx, f.p.addr, f.p.signer, f.p.addr, 1, 3600, 1_000_000)
			return err
		}},
		{"record_job: from the Escrow's creator", contracts.ErrNotEscrow, func(e *env, f fix) error {
			_, err := e.c.RecordJob(e.ctx, e.creator.addr, e.creator.signer, f.p.addr, 1, 3600, 1_000_000)
			return err
		}},
		{"registry configure: not the creator", contracts.ErrNotCreator, func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Registry, sig: "configure(uint64,uint64,uint64,uint64,uint64)void",
				args: []interface{}{e.d.Apps.Escrow, e.d.Apps.Badge, 1, 2, 3}})
		}},
		{"registry configure: twice", contracts.ErrAlreadyConfigured, func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Registry, sig: "configure(uint64,uint64,uint64,uint64,uint64)void",
				args: []interface{}{e.d.Apps.Escrow, e.d.Apps.Badge, 1, 2, 3}})
		}},
		{"registry: unknown method", contracts.ErrUnknownMethod, func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Registry, sig: "drain()void"})
		}},
	}
}

// TestRegistryMethods: register, update (grow and shrink), set_available,
// heartbeat and deregister with exact balances; the Registry ends where it
// started and the box is gone.
func TestRegistryMethods(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	p := newActor(t, 5_000_000)
	l := e.snapshot(map[string]actorOrApp{"provider": p.addr, "registry": e.registryAddr()})
	info := testInfo()
	res, err := e.c.Register(e.ctx, p.addr, p.signer, info)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	l.add("provider", -int64(mbrOf(info)+res.Fees))
	l.add("registry", int64(mbrOf(info)))
	l.check("register")
	got, err := e.c.Provider(e.ctx, p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProviderInfo != info || !got.Available || got.RegisteredRound != res.Round || got.LastHeartbeatRound != res.Round {
		t.Fatalf("registered %+v", got)
	}

	grown := info
	grown.Endpoint += "/v1"
	res, err = e.c.Update(e.ctx, p.addr, p.signer, grown)
	if err != nil {
		t.Fatalf("update (grow): %v", err)
	}
	delta := int64(mbrOf(grown) - mbrOf(info))
	if delta != 1200 {
		t.Errorf("3 more bytes should cost 1200 microAlgo, got %d", delta)
	}
	l.add("provider", -delta-int64(res.Fees))
	l.add("registry", delta)
	l.check("update grow")

	shrunk := grown
	shrunk.Endpoint, shrunk.CUDA, shrunk.PricePerHour = "https://r.example", "12", 7_200_000
	res, err = e.c.Update(e.ctx, p.addr, p.signer, shrunk)
	if err != nil {
		t.Fatalf("update (shrink): %v", err)
	}
	refund := int64(mbrOf(grown) - mbrOf(shrunk))
	l.add("provider", refund-int64(res.Fees))
	l.add("registry", -refund)
	l.check("update shrink")
	if res.Fees != 3000 { // payment + call + inner refund
		t.Errorf("shrinking update fees %d, want 3000", res.Fees)
	}

	if _, err := e.c.SetAvailable(e.ctx, p.addr, p.signer, false); err != nil {
		t.Fatalf("set_available: %v", err)
	}
	hb, err := e.c.Heartbeat(e.ctx, p.addr, p.signer)
	if err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	got, err = e.c.Provider(e.ctx, p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProviderInfo != shrunk || got.Available || got.LastHeartbeatRound != hb.Round {
		t.Fatalf("after update/set_available/heartbeat %+v", got)
	}
	l.add("provider", -2000)
	l.check("set_available+heartbeat")

	res, err = e.c.Deregister(e.ctx, p.addr, p.signer)
	if err != nil {
		t.Fatalf("deregister: %v", err)
	}
	l.add("provider", int64(mbrOf(shrunk))-int64(res.Fees))
	l.add("registry", -int64(mbrOf(shrunk)))
	l.check("deregister")
	if _, err := e.c.Provider(e.ctx, p.addr); err == nil {
		t.Error("provider box still there")
	}
}
