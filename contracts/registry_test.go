package contracts_test

import (
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/abi"
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
		boxes: append(providerBox(e, a), types.AppBoxReference{AppID: e.d.Apps.Registry, Name: contracts.ReputationBoxName(a.addr)})})
}

func providerBox(e *env, a actor) []types.AppBoxReference {
	return []types.AppBoxReference{{AppID: e.d.Apps.Registry, Name: contracts.ProviderBoxName(a.addr)}}
}

func mbrOf(info contracts.ProviderInfo) uint64 {
	return contracts.BoxMBR(33, contracts.ProviderValueLen(info))
}

const registryConfigureSig = "configure(uint64,uint64,uint64,uint64,uint64)void"

// registerGroup is the typed client's register group for a (payment of the
// exact MBR + call), unsigned, for mutation.
func (e *env) registerGroup(a actor, sig string, info contracts.ProviderInfo, amount uint64) []types.Transaction {
	e.t.Helper()
	m := mustMethod(e, sig)
	var atc transaction.AtomicTransactionComposer
	err := atc.AddMethodCall(transaction.AddMethodCallParams{AppID: e.d.Apps.Registry, Method: m,
		MethodArgs: infoArgs(info, e.pay(a, e.registryAddr(), amount)), Sender: a.addr, SuggestedParams: e.params(2),
		OnComplete: types.NoOpOC, Signer: a.signer, BoxReferences: append(providerBox(e, a),
			types.AppBoxReference{AppID: e.d.Apps.Registry, Name: contracts.ReputationBoxName(a.addr)})})
	if err != nil {
		e.t.Fatal(err)
	}
	g, err := atc.BuildGroup()
	if err != nil {
		e.t.Fatal(err)
	}
	return []types.Transaction{g[0].Txn, g[1].Txn}
}

// rawRegisterArgs is register's argument list with raw bytes in place.
func rawRegisterArgs(mut func(args [][]byte)) [][]byte {
	i := testInfo()
	args := [][]byte{sel(registerSig), arc4(i.Endpoint), arc4(i.GPUModel), u64(i.GPUCount), u64(i.VRAMMB), u64(i.CPUCores),
		u64(i.RAMMB), arc4(i.Driver), arc4(i.CUDA), u64(i.PricePerHour), u64(i.MinJobSecs), u64(i.MaxJobSecs)}
	mut(args)
	return args
}

func registryRejections() []rejection {
	R := func(code contracts.ErrorCode, n int) site { return at("Registry", code, n) }
	withInfo := func(mut func(*contracts.ProviderInfo)) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			info := testInfo()
			mut(&info)
			_, err := e.c.Register(e.ctx, f.x.addr, f.x.signer, info)
			return err
		}
	}
	newMBR := mbrOf(testInfo()) + contracts.ReputationBoxMBR
	mutated := func(mut func(e *env, f fix, txns []types.Transaction) []types.Transaction) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			txns := mut(e, f, e.registerGroup(f.x, registerSig, testInfo(), newMBR))
			_, err := e.sendTxns([]actor{f.x, f.cons}, txns...)
			return err
		}
	}
	raw := func(mut func(args [][]byte)) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, e.d.Apps.Registry, types.NoOpOC, rawRegisterArgs(mut), 1,
				func(t *types.Transaction) { addBox(t, e.d.Apps.Registry, contracts.ProviderBoxName(f.x.addr)) }))
			return err
		}
	}
	freshConfigure := func(tiers ...uint64) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			app := e.freshApp(f.x, "Registry")
			args := []interface{}{e.d.Apps.Escrow, e.d.Apps.Badge}
			if tiers[0] == 0 {
				args[0] = 0
			}
			if tiers[1] == 0 {
				args[1] = 0
			}
			for _, v := range tiers[2:] {
				args = append(args, v)
			}
			return e.call(f.x, rawCall{app: app, sig: registryConfigureSig, args: args})
		}
	}
	cases := common("Registry", func(e *env) uint64 { return e.d.Apps.Registry })
	return append(cases, []rejection{
		{"register: twice", R(contracts.ErrAlreadyRegistered, 1), func(e *env, f fix) error {
			_, err := e.c.Register(e.ctx, f.p.addr, f.p.signer, testInfo())
			return err
		}},
		{"update: not registered", R(contracts.ErrNotRegistered, 1), func(e *env, f fix) error {
			return e.rawRegister(f.x, strings.Replace(registerSig, "register", "update", 1), testInfo(), e.pay(f.x, e.registryAddr(), 0))
		}},
		{"set_available: not registered", R(contracts.ErrNotRegistered, 2), func(e *env, f fix) error {
			_, err := e.c.SetAvailable(e.ctx, f.x.addr, f.x.signer, true)
			return err
		}},
		{"set_available: not an ARC-4 bool", R(contracts.ErrBadBool, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.p}, e.appCall(f.p, e.d.Apps.Registry, types.NoOpOC,
				[][]byte{sel("set_available(bool)void"), {0x01}}, 1, func(t *types.Transaction) { addBox(t, e.d.Apps.Registry, contracts.ProviderBoxName(f.p.addr)) }))
			return err
		}},
		{"heartbeat: not registered", R(contracts.ErrNotRegistered, 3), func(e *env, f fix) error {
			_, err := e.c.Heartbeat(e.ctx, f.x.addr, f.x.signer)
			return err
		}},
		{"deregister: not registered", R(contracts.ErrNotRegistered, 4), func(e *env, f fix) error {
			_, err := e.c.Deregister(e.ctx, f.x.addr, f.x.signer)
			return err
		}},
		{"get_provider: not registered", R(contracts.ErrNotRegistered, 5), func(e *env, f fix) error {
			_, err := e.c.GetProvider(e.ctx, f.x.addr, f.x.addr)
			return err
		}},
		{"get_reputation: never registered", R(contracts.ErrNoRecord, 1), func(e *env, f fix) error {
			_, err := e.c.GetReputation(e.ctx, f.x.addr, f.x.addr)
			return err
		}},
		{"record_job: from an account", R(contracts.ErrNotEscrow, 1), func(e *env, f fix) error {
			_, err := e.c.RecordJob(e.ctx, f.p.addr, f.p.signer, f.p.addr, 1, 3600, 1_000_000)
			return err
		}},
		{"record_job: from another app", R(contracts.ErrNotEscrow, 2), func(e *env, f fix) error {
			relay := e.relay()
			args := [][]byte{u64(e.d.Apps.Registry), sel("record_job(address,uint8,uint64,uint64)void"), f.p.addr[:], {1}, u64(3600), u64(1_000_000)}
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, relay, types.NoOpOC, args, 2, func(t *types.Transaction) {
				addBox(t, e.d.Apps.Registry, contracts.ReputationBoxName(f.p.addr))
			}))
			return err
		}},
		{"registry configure: not the creator", R(contracts.ErrNotCreator, 1), func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Registry, sig: registryConfigureSig, args: []interface{}{e.d.Apps.Escrow, e.d.Apps.Badge, 1, 2, 3}})
		}},
		{"registry configure: twice", R(contracts.ErrAlreadyConfigured, 1), func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Registry, sig: registryConfigureSig, args: []interface{}{e.d.Apps.Escrow, e.d.Apps.Badge, 1, 2, 3}})
		}},
		{"registry configure: no escrow", R(contracts.ErrBadConfig, 1), freshConfigure(0, 1, 1, 2, 3)},
		{"registry configure: no badge minter", R(contracts.ErrBadConfig, 2), freshConfigure(1, 0, 1, 2, 3)},
		{"registry configure: zero first tier", R(contracts.ErrBadConfig, 3), freshConfigure(1, 1, 0, 2, 3)},
		{"registry configure: second tier not above the first", R(contracts.ErrBadConfig, 4), freshConfigure(1, 1, 2, 2, 3)},
		{"registry configure: third tier not above the second", R(contracts.ErrBadConfig, 5), freshConfigure(1, 1, 1, 3, 3)},
		{"register: empty endpoint", R(contracts.ErrBadEndpoint, 1), withInfo(func(i *contracts.ProviderInfo) { i.Endpoint = "" })},
		{"register: zero price", R(contracts.ErrBadPrice, 1), withInfo(func(i *contracts.ProviderInfo) { i.PricePerHour = 0 })},
		{"register: zero max job seconds", R(contracts.ErrBadJobBounds, 1), withInfo(func(i *contracts.ProviderInfo) { i.MinJobSecs, i.MaxJobSecs = 0, 0 })},
		{"register: min job above max", R(contracts.ErrBadJobBounds, 2), withInfo(func(i *contracts.ProviderInfo) { i.MinJobSecs = i.MaxJobSecs + 1 })},
		{"register: call without the payment", R(contracts.ErrPaymentMissing, 1), mutated(func(_ *env, _ fix, g []types.Transaction) []types.Transaction {
			return g[1:]
		})},
		{"register: transaction before is not a payment", R(contracts.ErrPaymentMissing, 2), mutated(func(_ *env, _ fix, g []types.Transaction) []types.Transaction {
			keyreg(&g[0])
			return g
		})},
		{"register: MBR paid to someone else", R(contracts.ErrPaymentReceiver, 1), mutated(func(_ *env, f fix, g []types.Transaction) []types.Transaction {
			g[0].Receiver = f.cons.addr
			return g
		})},
		{"register: payment closes the payer", R(contracts.ErrPaymentClose, 1), mutated(func(e *env, _ fix, g []types.Transaction) []types.Transaction {
			g[0].CloseRemainderTo = e.registryAddr()
			g[0].Fee, g[1].Fee = g[0].Fee+g[1].Fee, 0
			return g
		})},
		{"register: payment rekeys the payer", R(contracts.ErrPaymentRekey, 1), func(e *env, f fix) error {
			g := e.registerGroup(f.x, registerSig, testInfo(), newMBR)
			g[0].RekeyTo = f.cons.addr
			// The call comes from the rekeyed account: the new key signs it.
			_, err := e.sendAs([]actor{f.x}, map[int]actor{1: f.cons}, g...)
			return err
		}},
		{"register: MBR paid by someone else", R(contracts.ErrPaymentSender, 1), mutated(func(_ *env, f fix, g []types.Transaction) []types.Transaction {
			g[0].Sender = f.cons.addr
			return g
		})},
		{"register: MBR payment short by one", R(contracts.ErrPaymentAmount, 1), mutated(func(_ *env, _ fix, g []types.Transaction) []types.Transaction {
			g[0].Amount--
			return g
		})},
		{"update: shrinking with a payment", R(contracts.ErrPaymentAmount, 2), func(e *env, f fix) error {
			info := testInfo()
			info.CUDA = "1"
			return e.rawRegister(f.p, strings.Replace(registerSig, "register", "update", 1), info, e.pay(f.p, e.registryAddr(), 1))
		}},
		{"register: string argument of one byte", R(contracts.ErrBadString, 1), raw(func(a [][]byte) { a[1] = []byte{0} })},
		{"register: string length prefix wrong", R(contracts.ErrBadString, 2), raw(func(a [][]byte) { a[1] = append([]byte{0, 9}, "ab"...) })},
		{"register: endpoint too long", R(contracts.ErrStringTooLong, 1), withInfo(func(i *contracts.ProviderInfo) {
			i.Endpoint = "https://" + strings.Repeat("a", contracts.MaxEndpointLen)
		})},
		{"register: price of 7 bytes", R(contracts.ErrBadUint64, 1), raw(func(a [][]byte) { a[9] = a[9][1:] })},
		{"provider_status: address of 31 bytes", R(contracts.ErrBadAddress, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, e.d.Apps.Registry, types.NoOpOC,
				[][]byte{sel("provider_status(address)uint8"), make([]byte, 31)}, 1, nil))
			return err
		}},
	}...)
}

func mustMethod(e *env, sig string) abi.Method {
	e.t.Helper()
	m, err := abi.MethodFromSignature(sig)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestRegistryMethods: register, update (grow and shrink), set_available,
// heartbeat and deregister with exact balances; the provider box is gone
// and the Registry keeps exactly the permanent reputation record's MBR.
func TestRegistryMethods(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	p := newActor(t, 5_000_000)
	l := e.snapshot(map[string]actorOrApp{"provider": p.addr, "registry": e.registryAddr()})
	info := testInfo()
	res, err := e.c.Register(e.ctx, p.addr, p.signer, info)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	l.add("provider", -int64(mbrOf(info)+contracts.ReputationBoxMBR+res.Fees))
	l.add("registry", int64(mbrOf(info)+contracts.ReputationBoxMBR))
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
	if rep, err := e.c.Reputation(e.ctx, p.addr); err != nil || rep != (contracts.Reputation{}) {
		t.Errorf("reputation record after deregistering %+v %v, want kept, all zero", rep, err)
	}
}
