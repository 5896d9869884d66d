package contracts_test

import (
	"fmt"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// fix is the cast of one rejection case: a registered provider, a consumer
// and an unrelated account; b is a provider holding an unclaimed tier-1
// badge (shared by the claim cases, which never consume it but one).
type fix struct {
	p, cons, x actor
	b          *badged
}

func (e *env) openJob(f fix, deadline, window uint64) contracts.JobID {
	e.t.Helper()
	jp := e.job(f.p, f.cons, deadline, window)
	if _, err := e.create(jp); err != nil {
		e.t.Fatalf("create_job: %v", err)
	}
	return jp.ID
}

func (e *env) submittedJob(f fix, deadline, window uint64) contracts.JobID {
	e.t.Helper()
	id := e.openJob(f, deadline, window)
	if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, billSecs); err != nil {
		e.t.Fatalf("submit_result: %v", err)
	}
	return id
}

// rejection is one misuse and the one tagged site it must fail at.
type rejection struct {
	name string
	at   site
	try  func(e *env, f fix) error
}

func allRejections() []rejection {
	cases := append(escrowRejections(), registryRejections()...)
	return append(cases, badgeRejections()...)
}

// common are the routing and creation sites every app shares.
func common(app string, id func(e *env) uint64) []rejection {
	return []rejection{
		{app + ": created with OptIn", at(app, contracts.ErrBadCreate, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.x}, e.createTxn(f.x, app, nil, nil, types.OptInOC, nil))
			return err
		}},
		{app + ": created with arguments", at(app, contracts.ErrBadCreate, 2), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.x}, e.createTxn(f.x, app, nil, nil, types.NoOpOC, [][]byte{{1}}))
			return err
		}},
		{app + ": update the app", at(app, contracts.ErrBadOnCompletion, 1), func(e *env, f fix) error {
			txn := e.appCall(e.creator, id(e), types.UpdateApplicationOC, [][]byte{sel("drain()void")}, 1, nil)
			spec, err := contracts.LoadSpec(app)
			if err != nil {
				return err
			}
			if txn.ApprovalProgram, txn.ClearStateProgram, err = spec.Programs(); err != nil {
				return err
			}
			_, err = e.sendTxns([]actor{e.creator}, txn)
			return err
		}},
		{app + ": unknown method", at(app, contracts.ErrUnknownMethod, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.x}, e.appCall(f.x, id(e), types.NoOpOC, [][]byte{sel("drain()void")}, 1, nil))
			return err
		}},
	}
}

// TestRejections runs every misuse and asserts the exact site it fails at
// (the app, and the source line its program counter maps to, which carries
// the code), then fails when any tagged site was not reached.
func TestRejections(t *testing.T) {
	cfg := testConfig([3]uint64{1, 50, 60})
	cfg.BadgePool = 3 * contracts.BadgeMintCost
	e := newEnv(t, cfg)
	var pcs pcLines
	lines := pcs.get(t)
	byLine, all := siteIndex(t)
	b := e.badgedProvider()
	reached := map[site]bool{}
	for _, c := range allRejections() {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			f := fix{p: e.registered(), cons: newActor(t, 5_000_000), x: newActor(t, 3_000_000), b: b}
			err := c.try(e, f)
			if err == nil {
				t.Fatalf("accepted; want a rejection at %s", c.at)
			}
			ids := map[uint64]string{e.d.Apps.Registry: "Registry", e.d.Apps.Escrow: "Escrow", e.d.Apps.Badge: "BadgeMinter"}
			for id, n := range e.extra {
				ids[id] = n
			}
			got, pc, ok := failedSite(t, err, ids, c.at.app, lines, byLine)
			if !ok || got != c.at {
				t.Fatalf("failed at %v (pc %d, tagged %v); want %s (line %d)\n%v", got, pc, ok, c.at, all[c.at]+1, err)
			}
			reached[c.at] = true
		})
	}
	e.t = t
	for _, app := range appNames {
		n, hit := 0, 0
		for s := range all {
			if s.app == app {
				n++
				if reached[s] {
					hit++
				}
			}
		}
		t.Logf("%-11s rejection sites reached: %d / %d tagged", app, hit, n)
	}
	for s := range all {
		if !reached[s] {
			t.Errorf("site %s (line %d) not reached", s, all[s]+1)
		}
	}
}

const escrowConfigureSig = "configure(uint64,uint64,uint64,uint64,uint64)void"

func escrowRejections() []rejection {
	E := func(code contracts.ErrorCode, n int) site { return at("Escrow", code, n) }
	create := func(mut func(j *testJob)) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			j := e.job(f.p, f.cons, 100, 100)
			mut(&j)
			_, err := e.create(j)
			return err
		}
	}
	mutated := func(mut func(e *env, f fix, pay, call *types.Transaction), keep ...int) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			return e.createMutated(e.job(f.p, f.cons, 100, 100), []actor{f.x},
				func(pay, call *types.Transaction) { mut(e, f, pay, call) }, keep...)
		}
	}
	topUp := func(e *env, f fix, id contracts.JobID, from actor, amount uint64) error {
		return e.call(f.cons, rawCall{app: e.d.Apps.Escrow, sig: "top_up(byte[32],pay)void",
			args:  []interface{}{id[:], e.pay(from, e.escrowAddr(), amount)},
			boxes: []types.AppBoxReference{{AppID: e.d.Apps.Escrow, Name: contracts.JobBoxName(id)}}})
	}
	freshConfigure := func(args ...uint64) func(e *env, f fix) error {
		return func(e *env, f fix) error {
			app := e.freshApp(f.x, "Escrow")
			vals := []interface{}{}
			for i, a := range args {
				if i == 0 && a == 1 {
					vals = append(vals, e.d.Apps.Registry)
					continue
				}
				vals = append(vals, a)
			}
			return e.call(f.x, rawCall{app: app, sig: escrowConfigureSig, args: vals})
		}
	}
	cases := common("Escrow", func(e *env) uint64 { return e.d.Apps.Escrow })
	return append(cases, []rejection{
		{"create: unconfigured escrow", E(contracts.ErrNotConfigured, 1), func(e *env, f fix) error {
			app := e.freshApp(f.x, "Escrow")
			return e.call(f.p, rawCall{app: app, sig: "create_job(byte[32],uint64,uint64,uint64,uint64,byte[32],pay)byte[32]",
				args: []interface{}{make([]byte, 32), 1, 1, 10, 10, make([]byte, 32), e.pay(f.cons, e.escrowAddr(), 200_000)}})
		}},
		{"create: nonce of 31 bytes", E(contracts.ErrBadArg, 1), func(e *env, f fix) error {
			_, err := e.sendTxns([]actor{f.p}, e.appCall(f.p, e.d.Apps.Escrow, types.NoOpOC,
				[][]byte{sel("create_job(byte[32],uint64,uint64,uint64,uint64,byte[32],pay)byte[32]"), make([]byte, 31)}, 1, nil))
			return err
		}},
		{"create: provider paying itself", E(contracts.ErrSelfDeal, 1), func(e *env, f fix) error {
			_, err := e.create(e.job(f.p, f.p, 100, 100))
			return err
		}},
		{"create: nonce used before by the pair", E(contracts.ErrNonceUsed, 1), func(e *env, f fix) error {
			j := e.job(f.p, f.cons, 100, 100)
			if _, err := e.create(j); err != nil {
				return fmt.Errorf("first create: %w", err)
			}
			_, err := e.create(j)
			return err
		}},
		{"create: payment covers only the MBR", E(contracts.ErrPaymentAmount, 1), create(func(j *testJob) { j.Locked, j.MaxSeconds = 0, 0 })},
		{"create: zero rate", E(contracts.ErrBadRate, 1), create(func(j *testJob) { j.RatePerHour = 0 })},
		{"create: locked below rate × max seconds", E(contracts.ErrUnderfunded, 1), create(func(j *testJob) { j.MaxSeconds++ })},
		{"create: deadline below the minimum", E(contracts.ErrBadDeadline, 1), create(func(j *testJob) { j.DeadlineRounds = 0 })},
		{"create: deadline above the maximum", E(contracts.ErrBadDeadline, 2), create(func(j *testJob) { j.DeadlineRounds = 5001 })},
		{"create: window below the minimum", E(contracts.ErrBadWindow, 1), create(func(j *testJob) { j.WindowRounds = 0 })},
		{"create: window above the maximum", E(contracts.ErrBadWindow, 2), create(func(j *testJob) { j.WindowRounds = 5001 })},
		{"create: call without the payment", E(contracts.ErrPaymentMissing, 1), mutated(func(*env, fix, *types.Transaction, *types.Transaction) {}, 1)},
		{"create: transaction before is not a payment", E(contracts.ErrPaymentMissing, 2),
			mutated(func(_ *env, _ fix, pay, _ *types.Transaction) { keyreg(pay) }, 0, 1)},
		{"create: payment to another receiver", E(contracts.ErrPaymentReceiver, 1),
			mutated(func(_ *env, f fix, pay, _ *types.Transaction) { pay.Receiver = f.x.addr }, 0, 1)},
		{"create: payment closes the payer to the escrow", E(contracts.ErrPaymentClose, 1),
			mutated(func(e *env, _ fix, pay, _ *types.Transaction) { pay.CloseRemainderTo = e.escrowAddr() }, 0, 1)},
		{"create: payment rekeys the payer", E(contracts.ErrPaymentRekey, 1),
			mutated(func(_ *env, f fix, pay, _ *types.Transaction) { pay.RekeyTo = f.x.addr }, 0, 1)},
		{"create: sent by an unregistered provider", E(contracts.ErrProviderNotRegistered, 1), func(e *env, f fix) error {
			_, err := e.create(e.job(f.x, f.cons, 100, 100))
			return err
		}},
		{"create: sent by an unavailable provider", E(contracts.ErrProviderUnavailable, 1), func(e *env, f fix) error {
			if _, err := e.c.SetAvailable(e.ctx, f.p.addr, f.p.signer, false); err != nil {
				return err
			}
			_, err := e.create(e.job(f.p, f.cons, 100, 100))
			return err
		}},
		{"submit: not the provider", E(contracts.ErrNotProvider, 1), func(e *env, f fix) error {
			_, err := e.c.SubmitResult(e.ctx, f.x.addr, f.x.signer, e.openJob(f, 100, 100), proofHash, outputHash, 1)
			return err
		}},
		{"submit: twice", E(contracts.ErrBadState, 1), func(e *env, f fix) error {
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, e.submittedJob(f, 100, 100), proofHash, outputHash, 1)
			return err
		}},
		{"submit: after the deadline", E(contracts.ErrPastDeadline, 1), func(e *env, f fix) error {
			id := e.openJob(f, 1, 100)
			e.advance(2)
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1)
			return err
		}},
		{"submit: more seconds than the job's maximum", E(contracts.ErrOverMax, 1), func(e *env, f fix) error {
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, e.openJob(f, 100, 100), proofHash, outputHash, 1001)
			return err
		}},
		{"submit: more seconds than have elapsed", E(contracts.ErrOverElapsed, 1), func(e *env, f fix) error {
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, e.openJob(f, 100, 100), proofHash, outputHash, 900)
			return err
		}},
		{"top_up: not the consumer", E(contracts.ErrNotConsumer, 1), func(e *env, f fix) error {
			_, err := e.c.TopUp(e.ctx, f.x.addr, f.x.signer, e.openJob(f, 100, 100), 1000)
			return err
		}},
		{"top_up: after a result", E(contracts.ErrBadState, 2), func(e *env, f fix) error {
			_, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, e.submittedJob(f, 100, 100), 1000)
			return err
		}},
		{"top_up: after the deadline", E(contracts.ErrPastDeadline, 2), func(e *env, f fix) error {
			id := e.openJob(f, 1, 100)
			e.advance(2)
			_, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, id, 1000)
			return err
		}},
		{"top_up: paid by someone else", E(contracts.ErrPaymentSender, 1), func(e *env, f fix) error {
			return topUp(e, f, e.openJob(f, 100, 100), f.x, 1000)
		}},
		{"top_up: zero payment", E(contracts.ErrPaymentAmount, 2), func(e *env, f fix) error {
			return topUp(e, f, e.openJob(f, 100, 100), f.cons, 0)
		}},
		{"release: not the consumer", E(contracts.ErrNotConsumer, 2), func(e *env, f fix) error {
			_, err := e.c.Release(e.ctx, f.p.addr, f.p.signer, e.submittedJob(f, 100, 100))
			return err
		}},
		{"release: no result yet", E(contracts.ErrBadState, 3), func(e *env, f fix) error {
			_, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, e.openJob(f, 100, 100))
			return err
		}},
		{"release: unknown job", E(contracts.ErrNoSuchJob, 1), func(e *env, f fix) error {
			_, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, contracts.JobIDFor(f.p.addr, f.cons.addr, contracts.Hash{9}))
			return err
		}},
		{"claim: no result", E(contracts.ErrBadState, 4), func(e *env, f fix) error {
			id := e.openJob(f, 1, 1)
			e.advance(2)
			_, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, id)
			return err
		}},
		{"claim: inside the window", E(contracts.ErrWindowOpen, 1), func(e *env, f fix) error {
			_, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, e.submittedJob(f, 100, 1000))
			return err
		}},
		{"refund: after a result", E(contracts.ErrBadState, 5), func(e *env, f fix) error {
			id := e.submittedJob(f, 2, 100)
			e.advance(3)
			_, err := e.c.Refund(e.ctx, f.x.addr, f.x.signer, id)
			return err
		}},
		{"refund: before the deadline", E(contracts.ErrBeforeDeadline, 1), func(e *env, f fix) error {
			_, err := e.c.Refund(e.ctx, f.cons.addr, f.cons.signer, e.openJob(f, 1000, 100))
			return err
		}},
		{"dispute: not the consumer", E(contracts.ErrNotConsumer, 3), func(e *env, f fix) error {
			_, err := e.c.Dispute(e.ctx, f.x.addr, f.x.signer, e.submittedJob(f, 100, 100))
			return err
		}},
		{"dispute: no result yet", E(contracts.ErrBadState, 6), func(e *env, f fix) error {
			_, err := e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, e.openJob(f, 100, 100))
			return err
		}},
		{"dispute: after the window", E(contracts.ErrWindowClosed, 1), func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 1)
			e.advance(2)
			_, err := e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"escrow configure: not the creator", E(contracts.ErrNotCreator, 1), func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Escrow, sig: escrowConfigureSig, args: []interface{}{e.d.Apps.Registry, 1, 2, 1, 2}})
		}},
		{"escrow configure: twice", E(contracts.ErrAlreadyConfigured, 1), func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Escrow, sig: escrowConfigureSig, args: []interface{}{e.d.Apps.Registry, 1, 2, 1, 2}})
		}},
		{"escrow configure: no registry", E(contracts.ErrBadConfig, 1), freshConfigure(0, 1, 2, 1, 2)},
		{"escrow configure: zero minimum deadline", E(contracts.ErrBadConfig, 2), freshConfigure(1, 0, 2, 1, 2)},
		{"escrow configure: deadline maximum below minimum", E(contracts.ErrBadConfig, 3), freshConfigure(1, 5, 4, 1, 2)},
		{"escrow configure: zero minimum window", E(contracts.ErrBadConfig, 4), freshConfigure(1, 1, 2, 0, 2)},
		{"escrow configure: window maximum below minimum", E(contracts.ErrBadConfig, 5), freshConfigure(1, 1, 2, 5, 4)},
	}...)
}
