package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// Telemetry sampling for the Provide screen: every two seconds, ten
// minutes kept.
const (
	telemetryInterval = 2 * time.Second
	telemetrySamples  = 300
)

// telemetry adapts compute's Sampler to the Provide screen.
type telemetry struct{ s *compute.Sampler }

// Samples implements ui.TelemetrySource.
func (t telemetry) Samples() []ui.TelemetrySample {
	snap := t.s.Snapshot()
	out := make([]ui.TelemetrySample, len(snap))
	for i, s := range snap {
		out[i] = telemetrySample(s)
	}
	return out
}

func telemetrySample(s compute.Sample) ui.TelemetrySample {
	ts := ui.TelemetrySample{Time: s.Time, CPUOnly: compute.IsNoGPU(s.Err)}
	if s.Err != nil && !ts.CPUOnly {
		ts.Err = s.Err
	}
	for _, g := range s.GPUs {
		ts.GPUs = append(ts.GPUs, ui.GPUReading{Index: g.Index, Name: g.Name,
			UtilizationPct: float64(g.UtilizationPct), TemperatureC: g.TemperatureC,
			PowerW: g.PowerW, LimitW: g.PowerLimitW})
	}
	return ts
}

// startTelemetry opens NVML and samples it until ctx ends, both on a
// goroutine of their own: NVML's start (seconds per GPU without
// persistence mode, longer on a wedged driver) never holds up the caller,
// which is the UI goroutine. Without NVML every sample carries the
// ErrNoGPU that says so: the CPU-only state.
func startTelemetry(ctx context.Context, lib compute.NVMLLibrary) telemetry {
	// n and err are written before the sampler's first read, on the
	// goroutine that reads them.
	var n *compute.NVML
	var err error
	read := func() ([]compute.GPUInfo, error) {
		if err != nil {
			return nil, err
		}
		return n.Read(nil)
	}
	s, _ := compute.NewSampler(read, telemetryInterval, telemetrySamples) // constant, valid arguments
	go func() {
		if n, err = compute.OpenNVML(lib); err == nil {
			defer n.Close()
		}
		_ = s.Run(ctx)
	}()
	return telemetry{s: s}
}

// Provider earnings for the Provide and Wallet screens, from the provider
// agent's own job records (market/provider's store) rather than from the
// wallet's history, which may not have synced yet: a submitted job's bill
// is read from its escrow box, a settled job's payout from the JobSettled
// event of its settlement. What a settlement paid never changes, so it is
// kept in earningsBucket once read; so are a pending job's provider, round
// and window, which later find its settlement.

// earningsBucket caches, per job id, what the earnings computation read
// from the chain.
const earningsBucket = "app/provider-earnings"

// claimSlack is how many rounds past the dispute window a settlement
// search looks: the provider agent claims on its next tick after it.
const claimSlack = 500

// earningRecord is what is known of one provider job's earnings.
type earningRecord struct {
	Provider    string    `json:"provider,omitempty"`
	Bill        uint64    `json:"bill,omitempty"`
	ResultRound uint64    `json:"resultRound,omitempty"`
	Window      uint64    `json:"window,omitempty"`
	Settled     bool      `json:"settled,omitempty"`
	Paid        uint64    `json:"paid,omitempty"`
	At          time.Time `json:"at,omitzero"`
	TxID        string    `json:"txId,omitempty"`
	// Searched is set once a block search after the box was gone did not
	// find the settlement: it is not repeated (the Provide screen asks
	// every few seconds), the node and the wallet's history are.
	Searched bool `json:"searched,omitempty"`
	// Unread says why the block search could not read the settlement
	// (the node no longer serves the blocks after the result: it is not
	// an archival node); the job counts as unpriced.
	Unread string `json:"unread,omitempty"`
}

// earningsChain is what the earnings need from the chain.
type earningsChain interface {
	// Job reads a job's escrow box (contracts.ErrNotFound once settled).
	Job(ctx context.Context, id jobid.ID) (contracts.Job, error)
	// Settled finds the settlement of a job: by its transaction id when
	// known, else among the blocks after its result. found is false when
	// neither finds it.
	Settled(ctx context.Context, id jobid.ID, txID string, rec earningRecord) (settlement, bool, error)
}

// settlement is a job's JobSettled event, when and by which transaction
// it happened, and the provider paid when the transaction shows it.
type settlement struct {
	Event    contracts.JobSettled
	At       time.Time
	TxID     string
	Provider string
}

// algodEarnings reads the chain through a node.
type algodEarnings struct{ c *contracts.Client }

// Job implements earningsChain.
func (a algodEarnings) Job(ctx context.Context, id jobid.ID) (contracts.Job, error) {
	return a.c.Job(ctx, id)
}

// Settled implements earningsChain: the node still answers for a recent
// transaction, whose inner payment names the provider; older ones are
// found by a bounded block search from the job's result round, when it was
// seen pending (its provider is known then).
func (a algodEarnings) Settled(ctx context.Context, id jobid.ID, txID string, rec earningRecord) (settlement, bool, error) {
	if txID != "" {
		info, _, err := a.c.Algod().PendingTransactionInformation(txID).Do(ctx)
		if err == nil && info.ConfirmedRound > 0 {
			if ev, ok := contracts.DecodeJobSettled(info.Logs); ok && ev.ID == id {
				at, err := a.blockTime(ctx, info.ConfirmedRound)
				if errors.Is(err, provider.ErrBlockPruned) {
					at, err = time.Time{}, nil // paid all the same; only when is unknown
				}
				s := settlement{Event: ev, At: at, TxID: txID, Provider: rec.Provider}
				for _, in := range info.InnerTxns {
					if t := in.Transaction.Txn; ev.PaidProvider > 0 && t.Type == types.PaymentTx && uint64(t.Amount) == ev.PaidProvider {
						s.Provider = t.Receiver.String()
					}
				}
				return s, err == nil, err
			}
		}
	}
	if rec.ResultRound == 0 || rec.Searched {
		return settlement{}, false, nil
	}
	st, err := a.c.Algod().Status().Do(ctx)
	if err != nil {
		return settlement{}, false, fmt.Errorf("node status: %w", err)
	}
	to := min(st.LastRound, rec.ResultRound+rec.Window+claimSlack)
	set, found, err := provider.AlgodChain{Client: a.c}.Settlement(ctx, id, rec.ResultRound, to)
	if err != nil || !found {
		return settlement{}, false, err // a pruned block: an error wrapping provider.ErrBlockPruned
	}
	at, err := a.blockTime(ctx, set.Round)
	if errors.Is(err, provider.ErrBlockPruned) {
		at, err = time.Time{}, nil
	}
	return settlement{Event: set.Event, At: at, TxID: set.TxID, Provider: rec.Provider}, err == nil, err
}

// blockTime is round's block timestamp; a block the node no longer serves
// is an error wrapping provider.ErrBlockPruned.
func (a algodEarnings) blockTime(ctx context.Context, round uint64) (time.Time, error) {
	blk, err := a.c.Algod().Block(round).Do(ctx)
	if err != nil {
		var nf common.NotFound
		if errors.As(err, &nf) {
			return time.Time{}, fmt.Errorf("block %d: %w", round, provider.ErrBlockPruned)
		}
		return time.Time{}, fmt.Errorf("block %d: %w", round, err)
	}
	return time.Unix(blk.TimeStamp, 0), nil
}

// historyPayout is a job's payout to addr as the wallet's history has it,
// the last resort for a settlement the chain search did not find.
type historyPayout func(ctx context.Context, addr string) (map[string]earningRecord, error)

// walletPayouts reads the release and claim payouts addr received, by job.
func walletPayouts(db *bbolt.DB) historyPayout {
	return func(ctx context.Context, addr string) (map[string]earningRecord, error) {
		entries, err := wallet.NewHistory(db).Entries(ctx, addr)
		if err != nil {
			return nil, err
		}
		out := map[string]earningRecord{}
		for _, e := range entries {
			if e.JobID == "" || e.Receiver != addr || (e.Label != wallet.LabelReleaseReceived && e.Label != wallet.LabelClaim) {
				continue
			}
			r := out[e.JobID]
			r.Provider, r.Settled, r.Paid, r.At, r.TxID = addr, true, r.Paid+e.Amount, e.Time, e.TxID
			out[e.JobID] = r
		}
		return out, nil
	}
}

// providerEarnings sums addr's earnings over the provider jobs recorded in
// db, as of now (today starts at now's local midnight).
func providerEarnings(ctx context.Context, db *bbolt.DB, chain earningsChain, hist historyPayout, addr string, now time.Time) (ui.ProviderEarnings, error) {
	var e ui.ProviderEarnings
	jobs, err := provider.ListJobs(db)
	if err != nil {
		return e, fmt.Errorf("provider jobs: %w", err)
	}
	cache, err := loadEarnings(db)
	if err != nil {
		return e, err
	}
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	var fromHistory map[string]earningRecord
	changed := map[jobid.ID]earningRecord{}
	for _, j := range jobs {
		if j.State != "submitted" && j.State != "settled" {
			continue
		}
		rec, cached := cache[j.ID]
		if !rec.Settled {
			box, err := chain.Job(ctx, j.ID)
			switch {
			case err == nil && box.Status == contracts.JobSubmitted:
				rec = earningRecord{Provider: box.Provider.String(), Bill: box.Bill(), ResultRound: box.ResultRound, Window: box.DisputeWindow}
				if rec != cache[j.ID] {
					changed[j.ID] = rec
				}
				if rec.Provider == addr {
					e.Pending += rec.Bill
					e.PendingJobs++
				}
				continue
			case err == nil:
				continue // a box in another state bills nothing yet
			case !errors.Is(err, contracts.ErrNotFound):
				return e, fmt.Errorf("escrow of job %s: %w", j.ID, err)
			}
			// The box is gone: the job is settled, by whatever paid it.
			set, found, err := chain.Settled(ctx, j.ID, j.SettleTxID, rec)
			unread := ""
			if errors.Is(err, provider.ErrBlockPruned) {
				// A node that is not archival no longer serves the blocks
				// after the result: the search is over for this job (it is
				// not repeated on every refresh), which counts as unpriced
				// unless the wallet's history has its payout.
				unread, found, err = "settlement not read: "+err.Error()+"; connect to an archival node to read it", false, nil
			}
			if err != nil {
				return e, fmt.Errorf("settlement of job %s: %w", j.ID, err)
			}
			if found {
				rec.Settled, rec.Paid, rec.At, rec.TxID = true, set.Event.PaidProvider, set.At, set.TxID
				if set.Provider != "" {
					rec.Provider = set.Provider
				}
			} else {
				if rec.ResultRound > 0 && !rec.Searched {
					rec.Searched = true
					changed[j.ID] = rec
				}
				if unread != "" && rec.Unread != unread {
					rec.Unread = unread
					changed[j.ID] = rec
				}
				if fromHistory == nil {
					if fromHistory, err = hist(ctx, addr); err != nil {
						return e, fmt.Errorf("wallet history: %w", err)
					}
				}
				h, ok := fromHistory[j.ID.String()]
				if !ok {
					if !cached || rec.Provider == "" || rec.Provider == addr {
						e.Unpriced++
						if e.UnpricedWhy == "" {
							e.UnpricedWhy = rec.Unread
						}
					}
					continue
				}
				rec.Provider, rec.Settled, rec.Paid, rec.At, rec.TxID, rec.Unread = h.Provider, true, h.Paid, h.At, h.TxID, ""
			}
			changed[j.ID] = rec
		}
		// A job whose provider no read showed (a dispute, found by the
		// block search without having been seen pending) is the asking
		// account's: the agent serves as the active account.
		if rec.Provider != "" && rec.Provider != addr {
			continue // another account of this machine ran it
		}
		e.SettledJobs++
		e.SettledTotal += rec.Paid
		if !rec.At.Before(midnight) {
			e.SettledToday += rec.Paid
		}
	}
	if len(changed) > 0 {
		if err := saveEarnings(db, changed); err != nil {
			return e, err
		}
	}
	return e, nil
}

func loadEarnings(db *bbolt.DB) (map[jobid.ID]earningRecord, error) {
	out := map[jobid.ID]earningRecord{}
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(earningsBucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var id jobid.ID
			var r earningRecord
			if len(k) != len(id) {
				return nil
			}
			copy(id[:], k)
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("earnings record %x: %w", k, err)
			}
			out[id] = r
			return nil
		})
	})
	return out, err
}

func saveEarnings(db *bbolt.DB, recs map[jobid.ID]earningRecord) error {
	return db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(earningsBucket))
		if err != nil {
			return err
		}
		for id, r := range recs {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(id[:], v); err != nil {
				return err
			}
		}
		return nil
	})
}
