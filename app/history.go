package app

import (
	"context"
	"log/slog"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/wallet"
)

// historyRetry is how long the history follower waits for a node it could
// not reach.
const historyRetry = 5 * time.Second

// kineticLabeler labels history entries by the deployment's apps: escrow
// locks, the payouts of release, refund, dispute and claim, badges.
func kineticLabeler(apps contracts.AppIDs) wallet.Labeler {
	return wallet.Labeler{EscrowApp: apps.Escrow, RegistryApp: apps.Registry, BadgeApp: apps.Badge,
		Methods: map[[4]byte]wallet.Label{
			wallet.MethodSelector("release(byte[32])void"): wallet.LabelReleaseReceived,
			wallet.MethodSelector("refund(byte[32])void"):  wallet.LabelRefund,
			wallet.MethodSelector("dispute(byte[32])void"): wallet.LabelRefund,
			wallet.MethodSelector("claim(byte[32])void"):   wallet.LabelClaim,
		}}
}

// startHistory records the wallet's history from the node's blocks
// (wallet.Follower: every transaction touching any live account, inner
// ones included, labelled by the Kinetic apps) from the round the node is
// at when it first answers, or from the stored cursor, until ctx ends.
// added is told after each batch that recorded entries. It returns at
// once; a node that does not answer yet is tried again every few seconds.
func startHistory(ctx context.Context, cfg Config, db *bbolt.DB, w *wallet.Wallet, log *slog.Logger, added func()) {
	go func() {
		for ctx.Err() == nil {
			ac, chain, err := connectChain(ctx, cfg)
			if err != nil {
				log.Debug("wallet history waits for the node", "err", err)
				sleepCtx(ctx, historyRetry)
				continue
			}
			st, err := ac.Status().Do(ctx)
			if err != nil {
				sleepCtx(ctx, historyRetry)
				continue
			}
			f := &wallet.Follower{Client: ac, DB: db, Labeler: kineticLabeler(chain.Apps()), StartRound: st.LastRound,
				Watch: func(ctx context.Context) ([]string, error) {
					accts, err := w.Accounts(ctx, false)
					if err != nil {
						return nil, err
					}
					out := make([]string, len(accts))
					for i, a := range accts {
						out[i] = a.Address
					}
					return out, nil
				},
				OnBatch: func(r wallet.BatchResult) {
					if r.Added > 0 && added != nil {
						added()
					}
				},
				OnGap: func(g wallet.Gap) { log.Warn("wallet history has a gap the node no longer keeps", "gap", g) },
			}
			log.Info("wallet history following the chain", "from_round", st.LastRound)
			_ = f.Run(ctx) // returns when ctx ends
			return
		}
	}()
}
