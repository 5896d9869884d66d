package contracts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/assets/badges"
	"github.com/kinetic-compute/kinetic/contracts"
)

const claimSig = "claim(uint64,pay,axfer)uint64"

// optIn is a's zero-amount transfer of asset to itself.
func (e *env) optIn(a actor, asset uint64) transaction.TransactionWithSigner {
	e.t.Helper()
	txn, err := transaction.MakeAssetAcceptanceTxn(a.addr.String(), nil, e.params(1), asset)
	if err != nil {
		e.t.Fatal(err)
	}
	return transaction.TransactionWithSigner{Txn: txn, Signer: a.signer}
}

// rawClaim sends [payment, opt-in, claim(tier)] as a.
func (e *env) rawClaim(a actor, tier, asset, payAmount uint64, optIn transaction.TransactionWithSigner) error {
	return e.call(a, rawCall{app: e.d.Apps.Badge, sig: claimSig, inner: 1,
		args:   []interface{}{tier, e.pay(a, e.badgeAddr(), payAmount), optIn},
		assets: []uint64{asset}, boxes: []types.AppBoxReference{{AppID: e.d.Apps.Badge, Name: contracts.BadgeBoxName(a.addr, tier)}}})
}

// ownAsset creates a plain ASA held by a (its creator).
func (e *env) ownAsset(a actor) uint64 {
	e.t.Helper()
	txn, err := transaction.MakeAssetCreateTxn(a.addr.String(), nil, e.params(1), 1, 0, false, "", "", "", "", "X", "x", "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	var atc transaction.AtomicTransactionComposer
	if err := atc.AddTransaction(transaction.TransactionWithSigner{Txn: txn, Signer: a.signer}); err != nil {
		e.t.Fatal(err)
	}
	res, err := atc.Execute(e.c.Algod(), e.ctx, 4)
	if err != nil {
		e.t.Fatal(err)
	}
	info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[0]).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return info.AssetIndex
}

// badged is a provider holding an unclaimed tier-1 badge.
type badged struct {
	a     actor
	asset uint64
}

// badgedProvider registers a provider and releases one job for it, which
// mints its tier-1 badge (the env's first tier must be 1).
func (e *env) badgedProvider() *badged {
	e.t.Helper()
	f := fix{p: e.registered(), cons: newActor(e.t, 5_000_000)}
	if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, e.submittedJob(f, 100, 100)); err != nil {
		e.t.Fatalf("release: %v", err)
	}
	asset, err := e.c.PendingBadge(e.ctx, f.p.addr, 1)
	if err != nil {
		e.t.Fatalf("tier-1 badge: %v", err)
	}
	return &badged{a: f.p, asset: asset}
}

// optedIn makes a opt in to asset, in a transaction of its own.
func (e *env) optedIn(a actor, asset uint64) {
	e.t.Helper()
	if _, err := e.sendTxns([]actor{a}, e.optIn(a, asset).Txn); err != nil {
		e.t.Fatalf("opt in: %v", err)
	}
}

// claimGroup is [payment, opt-in, claim(tier)] for b, unsigned.
func (e *env) claimGroup(b *badged, tierArg []byte) []types.Transaction {
	e.t.Helper()
	pay := e.pay(b.a, e.badgeAddr(), contracts.BadgeClaimPayment).Txn
	opt := e.optIn(b.a, b.asset).Txn
	call := e.appCall(b.a, e.d.Apps.Badge, types.NoOpOC, [][]byte{sel(claimSig), tierArg}, 2, func(t *types.Transaction) {
		t.ForeignAssets = []types.AssetIndex{types.AssetIndex(b.asset)}
		addBox(t, e.d.Apps.Badge, contracts.BadgeBoxName(b.a.addr, 1))
	})
	return []types.Transaction{pay, opt, call}
}

const badgeConfigureSig = "configure(uint64,string,byte[32],string,byte[32],string,byte[32])void"

func badgeRejections() []rejection {
	B := func(code contracts.ErrorCode, n int) site { return at("BadgeMinter", code, n) }
	claim := func(mut func(e *env, f fix, g []types.Transaction) []types.Transaction) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			g := mut(e, f, e.claimGroup(f.b, u64(1)))
			_, err := e.sendTxns([]actor{f.b.a, f.x}, g...)
			return err
		}
	}
	h := make([]byte, 32)
	rawConfigure := func(mut func(args [][]byte)) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			app := e.freshApp(f.x, "BadgeMinter")
			args := [][]byte{sel(badgeConfigureSig), u64(e.d.Apps.Registry), arc4("ipfs://x#arc3"), h, arc4("ipfs://y#arc3"), h, arc4("ipfs://z#arc3"), h}
			mut(args)
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, app, types.NoOpOC, args, 1, nil))
			return err
		}
	}
	cases := common("BadgeMinter", func(e *env) uint64 { return e.d.Apps.Badge })
	return append(cases, []rejection{
		{"mint: from an account", B(contracts.ErrNotRegistry, 1), func(e *env, f fix) error {
			_, err := e.c.Mint(e.ctx, e.creator.addr, e.creator.signer, f.p.addr, 1)
			return err
		}},
		{"mint: from another app", B(contracts.ErrNotRegistry, 2), func(e *env, f fix) error {
			relay := e.relay()
			args := [][]byte{u64(e.d.Apps.Badge), sel("mint(address,uint64)uint64"), f.x.addr[:], u64(1)}
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, relay, types.NoOpOC, args, 3, func(t *types.Transaction) {
				addBox(t, e.d.Apps.Badge, contracts.BadgeBoxName(f.x.addr, 1))
			}))
			return err
		}},
		{"claim: nothing minted", B(contracts.ErrNoBadge, 1), func(e *env, f fix) error {
			asset := e.ownAsset(f.x)
			return e.rawClaim(f.x, 1, asset, contracts.BadgeClaimPayment, e.optIn(f.x, asset))
		}},
		{"claim: tier of 7 bytes", B(contracts.ErrBadTier, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.b.a}, e.claimGroup(f.b, u64(1)[1:])...)
			return err
		}},
		{"claim: tier 0", B(contracts.ErrBadTier, 2), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.b.a}, e.claimGroup(f.b, u64(0))...)
			return err
		}},
		{"claim: tier 4", B(contracts.ErrBadTier, 3), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.b.a}, e.claimGroup(f.b, u64(4))...)
			return err
		}},
		{"claim: payment missing", B(contracts.ErrPaymentMissing, 1), claim(func(_ *env, _ fix, g []types.Transaction) []types.Transaction { return g[1:] })},
		{"claim: two before is not a payment", B(contracts.ErrPaymentMissing, 2), claim(func(_ *env, _ fix, g []types.Transaction) []types.Transaction {
			keyreg(&g[0])
			return g
		})},
		{"claim: paid to someone else", B(contracts.ErrPaymentReceiver, 1), claim(func(_ *env, f fix, g []types.Transaction) []types.Transaction {
			g[0].Receiver = f.x.addr
			return g
		})},
		{"claim: paid one short", B(contracts.ErrPaymentAmount, 1), claim(func(_ *env, _ fix, g []types.Transaction) []types.Transaction {
			g[0].Amount--
			return g
		})},
		{"claim: payment closes the payer", B(contracts.ErrPaymentClose, 1), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			// A closed account cannot then opt in (its minimum balance),
			// so the transaction between is another account's; the payer
			// pays every fee before it closes.
			g[0].CloseRemainderTo = e.badgeAddr()
			g[0].Fee, g[2].Fee = g[0].Fee+g[2].Fee, 0
			g[1] = e.pay(f.x, f.x.addr, 0).Txn
			return g
		})},
		{"claim: paid by someone else", B(contracts.ErrPaymentSender, 1), claim(func(_ *env, f fix, g []types.Transaction) []types.Transaction {
			g[0].Sender = f.x.addr
			return g
		})},
		{"claim: payment rekeys the payer", B(contracts.ErrPaymentRekey, 1), func(e *env, f fix) error {
			g := e.claimGroup(f.b, u64(1))
			g[0].RekeyTo = f.x.addr
			_, err := e.sendAs([]actor{f.b.a}, map[int]actor{1: f.x, 2: f.x}, g...)
			return err
		}},
		{"claim: transaction before is not an asset transfer", B(contracts.ErrOptinMissing, 1), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			g[1] = e.pay(f.b.a, f.b.a.addr, 0).Txn
			return g
		})},
		{"claim: opt-in to another asset", B(contracts.ErrOptinMissing, 2), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			g[1] = e.optIn(f.b.a, e.ownAsset(f.x)).Txn
			return g
		})},
		{"claim: opt-in by someone else", B(contracts.ErrOptinMissing, 3), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			g[1] = e.optIn(f.x, f.b.asset).Txn
			return g
		})},
		{"claim: transfer to someone else", B(contracts.ErrOptinMissing, 4), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			e.optedIn(f.b.a, f.b.asset)
			e.optedIn(f.x, f.b.asset)
			g[1] = e.optIn(f.b.a, f.b.asset).Txn
			g[1].AssetReceiver = f.x.addr
			return g
		})},
		{"claim: opt-in that closes the holding", B(contracts.ErrOptinMissing, 5), claim(func(e *env, f fix, g []types.Transaction) []types.Transaction {
			e.optedIn(f.b.a, f.b.asset)
			g[1].AssetCloseTo = e.badgeAddr()
			return g
		})},
		{"claim: twice", B(contracts.ErrBadgeClaimed, 1), func(e *env, f fix) error {
			b := e.badgedProvider()
			if _, _, err := e.c.ClaimBadge(e.ctx, b.a.addr, b.a.signer, 1); err != nil {
				return fmt.Errorf("first claim: %w", err)
			}
			_, err := e.sendTxns([]actor{b.a}, e.claimGroup(b, u64(1))...)
			return err
		}},
		{"badge configure: not the creator", B(contracts.ErrNotCreator, 1), func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Badge, sig: badgeConfigureSig,
				args: []interface{}{e.d.Apps.Registry, "ipfs://x#arc3", h, "ipfs://y#arc3", h, "ipfs://z#arc3", h}})
		}},
		{"badge configure: twice", B(contracts.ErrAlreadyConfigured, 1), func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Badge, sig: badgeConfigureSig,
				args: []interface{}{e.d.Apps.Registry, "ipfs://x#arc3", h, "ipfs://y#arc3", h, "ipfs://z#arc3", h}})
		}},
		{"badge configure: registry id of 7 bytes", B(contracts.ErrBadConfig, 1), rawConfigure(func(a [][]byte) { a[1] = a[1][1:] })},
		{"badge configure: no registry", B(contracts.ErrBadConfig, 2), rawConfigure(func(a [][]byte) { a[1] = u64(0) })},
		{"badge configure: URL length prefix wrong", B(contracts.ErrBadConfig, 3), rawConfigure(func(a [][]byte) { a[2] = append([]byte{0, 40}, "ipfs://x"...) })},
		{"badge configure: URL above 96 bytes", B(contracts.ErrBadConfig, 4), rawConfigure(func(a [][]byte) { a[2] = arc4("ipfs://" + strings.Repeat("x", 90)) })},
		{"badge configure: hash of 31 bytes", B(contracts.ErrBadConfig, 5), rawConfigure(func(a [][]byte) { a[3] = h[1:] })},
	}...)
}

// TestBadgeMintAndClaim: the first completed job crosses tier 1, release
// mints the badge through Registry -> BadgeMinter, the provider claims it
// frozen, and it cannot be transferred.
func TestBadgeMintAndClaim(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1, 2, 3}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000), x: newActor(t, 1_000_000)}
	badgeBase := e.balanceOf(e.badgeAddr())
	poolBase := e.spendable(e.badgeAddr())
	id := e.submittedJob(f, 100, 100)
	res, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
	if err != nil {
		t.Fatalf("release with mint: %v", err)
	}
	if res.Fees != 6000 {
		t.Errorf("release with a mint: fees %d, want 6000 (call + 2 payments + record_job + mint + asset create)", res.Fees)
	}
	prov, err := e.c.Provider(e.ctx, f.p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if prov.BadgeTier != 1 {
		t.Fatalf("badge tier %d after the first completed job", prov.BadgeTier)
	}
	asset, err := e.c.PendingBadge(e.ctx, f.p.addr, 1)
	if err != nil {
		t.Fatalf("pending badge: %v", err)
	}
	checkBadgeAsset(t, e, asset)
	if got := e.balanceOf(e.badgeAddr()); got != badgeBase {
		t.Errorf("minting moved the minter's balance: %d -> %d", badgeBase, got)
	}

	wantCode(t, e.rawClaim(f.p, 1, asset, contracts.BadgeClaimPayment-1, e.optIn(f.p, asset)), contracts.ErrPaymentAmount)
	other := e.ownAsset(f.p)
	wantCode(t, e.rawClaim(f.p, 1, asset, contracts.BadgeClaimPayment, e.optIn(f.p, other)), contracts.ErrOptinMissing)
	xAsset := e.ownAsset(f.x)
	wantCode(t, e.rawClaim(f.x, 1, asset, contracts.BadgeClaimPayment, e.optIn(f.x, xAsset)), contracts.ErrNoBadge)

	l := e.snapshot(map[string]actorOrApp{"provider": f.p.addr, "badge": e.badgeAddr()})
	got, res, err := e.c.ClaimBadge(e.ctx, f.p.addr, f.p.signer, 1)
	if err != nil || got != asset {
		t.Fatalf("claim: asset %d, %v", got, err)
	}
	l.add("provider", -contracts.BadgeClaimPayment-int64(res.Fees))
	l.add("badge", contracts.BadgeClaimPayment)
	l.check("claim")
	if after := e.spendable(e.badgeAddr()); after != poolBase {
		t.Errorf("minter's spendable pool not restored: before mint %d, after claim %d", poolBase, after)
	}
	hold, err := e.c.Algod().AccountAssetInformation(f.p.addr.String(), asset).Do(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hold.AssetHolding.Amount != 1 || !hold.AssetHolding.IsFrozen {
		t.Fatalf("holding %+v, want 1 frozen", hold.AssetHolding)
	}
	wantCode(t, e.rawClaim(f.p, 1, asset, contracts.BadgeClaimPayment, e.optIn(f.p, asset)), contracts.ErrBadgeClaimed)

	// Soul-bound: the provider cannot pass it on, even to an opted-in account.
	var atc transaction.AtomicTransactionComposer
	_ = atc.AddTransaction(e.optIn(f.x, asset))
	if err := e.send(&atc); err != nil {
		t.Fatalf("opt-in of the receiver: %v", err)
	}
	xfer, err := transaction.MakeAssetTransferTxn(f.p.addr.String(), f.x.addr.String(), 1, nil, e.params(1), "", asset)
	if err != nil {
		t.Fatal(err)
	}
	atc = transaction.AtomicTransactionComposer{}
	_ = atc.AddTransaction(transaction.TransactionWithSigner{Txn: xfer, Signer: f.p.signer})
	err = e.send(&atc)
	if err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Fatalf("transfer of a frozen badge: %v, want a frozen-asset rejection", err)
	}
}

// spendable is balance minus minimum balance.
func (e *env) spendable(a actorOrApp) uint64 {
	e.t.Helper()
	info, err := e.c.Algod().AccountInformation(a.String()).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return info.Amount - info.Rewards - info.MinBalance
}

func checkBadgeAsset(t *testing.T, e *env, asset uint64) {
	t.Helper()
	a, err := e.c.Algod().GetAssetByID(asset).Do(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := badges.Tier(1)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Params
	if p.Total != 1 || p.Decimals != 0 || !p.DefaultFrozen || p.Url != b.URL || string(p.MetadataHash) != string(b.Hash[:]) ||
		p.Freeze != e.badgeAddr().String() || p.Clawback != e.badgeAddr().String() || p.Name != "Kinetic Provider Tier 1" ||
		p.Creator != e.badgeAddr().String() {
		t.Fatalf("badge asset params %+v", p)
	}
}
