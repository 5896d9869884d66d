package contracts_test

import (
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// fix is the cast of one rejection case: a registered provider, a consumer
// and an unrelated account.
type fix struct{ p, cons, x actor }

func (e *env) openJob(f fix, deadline, window uint64) contracts.JobID {
	e.t.Helper()
	jp := jobParams(f.p.addr, lockAmount, deadline, window)
	if _, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jp); err != nil {
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

type rejection struct {
	name string
	code contracts.ErrorCode
	try  func(e *env, f fix) error
}

func escrowRejections() []rejection {
	return []rejection{
		{"create: duplicate job id", contracts.ErrJobExists, func(e *env, f fix) error {
			jp := jobParams(f.p.addr, lockAmount, 100, 100)
			if _, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jp); err != nil {
				return err
			}
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jp)
			return err
		}},
		{"create: unregistered provider", contracts.ErrProviderNotRegistered, func(e *env, f fix) error {
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jobParams(f.x.addr, lockAmount, 100, 100))
			return err
		}},
		{"create: unavailable provider", contracts.ErrProviderUnavailable, func(e *env, f fix) error {
			if _, err := e.c.SetAvailable(e.ctx, f.p.addr, f.p.signer, false); err != nil {
				return err
			}
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jobParams(f.p.addr, lockAmount, 100, 100))
			return err
		}},
		{"create: payment not above the box MBR", contracts.ErrPaymentAmount, func(e *env, f fix) error {
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jobParams(f.p.addr, 0, 100, 100))
			return err
		}},
		{"create: payment to another receiver", contracts.ErrPaymentReceiver, func(e *env, f fix) error {
			return e.createMutated(f.cons, jobParams(f.p.addr, lockAmount, 100, 100), nil,
				func(pay, _ *types.Transaction) { pay.Receiver = f.x.addr }, 0, 1)
		}},
		{"create: payment from someone else", contracts.ErrPaymentSender, func(e *env, f fix) error {
			return e.createMutated(f.cons, jobParams(f.p.addr, lockAmount, 100, 100), []actor{f.x},
				func(pay, _ *types.Transaction) { pay.Sender = f.x.addr }, 0, 1)
		}},
		{"create: payment closes the payer to the escrow", contracts.ErrPaymentClose, func(e *env, f fix) error {
			return e.createMutated(f.cons, jobParams(f.p.addr, lockAmount, 100, 100), nil,
				func(pay, call *types.Transaction) {
					// The closed payer has nothing left for the call's fee: the payment pools it.
					pay.CloseRemainderTo, pay.Fee, call.Fee = e.escrowAddr(), pay.Fee+call.Fee, 0
				}, 0, 1)
		}},
		{"create: payment missing", contracts.ErrPaymentMissing, func(e *env, f fix) error {
			return e.createMutated(f.cons, jobParams(f.p.addr, lockAmount, 100, 100), nil, func(_, _ *types.Transaction) {}, 1)
		}},
		{"create: payment outside the group", contracts.ErrPaymentMissing, func(e *env, f fix) error {
			jp := jobParams(f.p.addr, lockAmount, 100, 100)
			if err := e.createMutated(f.cons, jp, nil, func(_, _ *types.Transaction) {}, 0); err != nil {
				return err
			}
			return e.createMutated(f.cons, jp, nil, func(_, _ *types.Transaction) {}, 1)
		}},
		{"create: payment is not the transaction before", contracts.ErrPaymentMissing, func(e *env, f fix) error {
			return e.createMutated(f.cons, jobParams(f.p.addr, lockAmount, 100, 100), nil, func(_, _ *types.Transaction) {}, 1, 0)
		}},
		{"create: deadline above the maximum", contracts.ErrBadDeadline, func(e *env, f fix) error {
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jobParams(f.p.addr, lockAmount, 5001, 100))
			return err
		}},
		{"create: dispute window below the minimum", contracts.ErrBadWindow, func(e *env, f fix) error {
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jobParams(f.p.addr, lockAmount, 100, 0))
			return err
		}},
		{"create: zero rate", contracts.ErrBadRate, func(e *env, f fix) error {
			jp := jobParams(f.p.addr, lockAmount, 100, 100)
			jp.RatePerHour = 0
			_, err := e.c.CreateJob(e.ctx, f.cons.addr, f.cons.signer, jp)
			return err
		}},
		{"create: provider hiring itself", contracts.ErrSelfDeal, func(e *env, f fix) error {
			_, err := e.c.CreateJob(e.ctx, f.p.addr, f.p.signer, jobParams(f.p.addr, lockAmount, 100, 100))
			return err
		}},
		{"submit: not the provider", contracts.ErrNotProvider, func(e *env, f fix) error {
			id := e.openJob(f, 100, 100)
			_, err := e.c.SubmitResult(e.ctx, f.x.addr, f.x.signer, id, proofHash, outputHash, 1)
			return err
		}},
		{"submit: after the deadline", contracts.ErrPastDeadline, func(e *env, f fix) error {
			id := e.openJob(f, 1, 100)
			e.advance(2)
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1)
			return err
		}},
		{"submit: bill above the locked amount", contracts.ErrOverbilled, func(e *env, f fix) error {
			id := e.openJob(f, 100, 100)
			// 1000 microAlgo per second against 1 ALGO locked: 1001 seconds is too many.
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1001)
			return err
		}},
		{"submit: twice", contracts.ErrBadState, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 100)
			_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1)
			return err
		}},
		{"release: not the consumer", contracts.ErrNotConsumer, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 100)
			_, err := e.c.Release(e.ctx, f.p.addr, f.p.signer, id)
			return err
		}},
		{"release: no result yet", contracts.ErrBadState, func(e *env, f fix) error {
			id := e.openJob(f, 100, 100)
			_, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"release: twice", contracts.ErrNoSuchJob, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 100)
			if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id); err != nil {
				return err
			}
			_, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"refund: before the deadline", contracts.ErrBeforeDeadline, func(e *env, f fix) error {
			id := e.openJob(f, 1000, 100)
			_, err := e.c.Refund(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"refund: after a result", contracts.ErrBadState, func(e *env, f fix) error {
			id := e.submittedJob(f, 2, 100)
			e.advance(3)
			_, err := e.c.Refund(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"dispute: not the consumer", contracts.ErrNotConsumer, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 100)
			_, err := e.c.Dispute(e.ctx, f.x.addr, f.x.signer, id)
			return err
		}},
		{"dispute: after the window", contracts.ErrWindowClosed, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 1)
			e.advance(2)
			_, err := e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"dispute: no result yet", contracts.ErrBadState, func(e *env, f fix) error {
			id := e.openJob(f, 100, 100)
			_, err := e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, id)
			return err
		}},
		{"claim: inside the window", contracts.ErrWindowOpen, func(e *env, f fix) error {
			id := e.submittedJob(f, 100, 1000)
			_, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, id)
			return err
		}},
		{"claim: no result", contracts.ErrBadState, func(e *env, f fix) error {
			id := e.openJob(f, 1, 1)
			e.advance(2)
			_, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, id)
			return err
		}},
		{"escrow configure: not the creator", contracts.ErrNotCreator, func(e *env, f fix) error {
			return e.call(f.x, rawCall{app: e.d.Apps.Escrow, sig: "configure(uint64,uint64,uint64,uint64,uint64)void",
				args: []interface{}{e.d.Apps.Registry, 1, 2, 1, 2}})
		}},
		{"escrow configure: twice", contracts.ErrAlreadyConfigured, func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Escrow, sig: "configure(uint64,uint64,uint64,uint64,uint64)void",
				args: []interface{}{e.d.Apps.Registry, 1, 2, 1, 2}})
		}},
		{"escrow: update the app", contracts.ErrBadOnCompletion, func(e *env, f fix) error {
			return e.call(e.creator, rawCall{app: e.d.Apps.Escrow, sig: "release(byte[32])void",
				args: []interface{}{make([]byte, 32)}, onc: types.DeleteApplicationOC})
		}},
	}
}

// TestRejections runs every misuse and asserts the specific rejection.
func TestRejections(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{50, 60, 70}))
	cases := append(escrowRejections(), registryRejections()...)
	cases = append(cases, badgeRejections()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			f := fix{p: e.registered(), cons: newActor(t, 5_000_000), x: newActor(t, 3_000_000)}
			wantCode(t, c.try(e, f), c.code)
		})
	}
	e.t = t
	t.Logf("%d rejection paths, each with its specific code", len(cases))
}
