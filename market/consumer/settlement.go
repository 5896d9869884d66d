package consumer

import (
	"context"
	"fmt"
	"sync"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// maxSettleSearch bounds how many rounds back the Autopilot looks for the
// settlement of a job whose box it finds gone (about 3 hours of MainNet
// rounds); a settlement older than that is journaled as not found.
const maxSettleSearch = 4096

// findSettlement looks for the Escrow's JobSettled event of job id in the
// blocks of rounds from to to (8 read at a time) and returns it with its
// round; found is false when none of them has it.
func (a *Autopilot) findSettlement(ctx context.Context, id jobid.ID, from, to uint64) (contracts.JobSettled, uint64, bool, error) {
	const chunk, readers = 64, 8
	app := types.AppIndex(a.c.chain.Apps().Escrow)
	for lo := from; lo <= to; lo += chunk {
		hi := min(to, lo+chunk-1)
		var (
			mu    sync.Mutex
			best  uint64
			event contracts.JobSettled
			first error
			wg    sync.WaitGroup
		)
		next := make(chan uint64)
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range next {
					ev, ok, err := blockSettlement(ctx, a.c.chain, app, id, r)
					mu.Lock()
					if err != nil && first == nil {
						first = err
					}
					if ok && (best == 0 || r < best) {
						best, event = r, ev
					}
					mu.Unlock()
				}
			}()
		}
		for r := lo; r <= hi; r++ {
			next <- r
		}
		close(next)
		wg.Wait()
		if best != 0 {
			return event, best, true, nil
		}
		if first != nil {
			return contracts.JobSettled{}, 0, false, first
		}
	}
	return contracts.JobSettled{}, 0, false, nil
}

// blockSettlement looks for job id's JobSettled event among the Escrow
// calls of round r's block.
func blockSettlement(ctx context.Context, chain Chain, app types.AppIndex, id jobid.ID, r uint64) (contracts.JobSettled, bool, error) {
	blk, err := chain.Algod().Block(r).Do(ctx)
	if err != nil {
		return contracts.JobSettled{}, false, fmt.Errorf("block %d: %w", r, err)
	}
	for _, st := range blk.Payset {
		if st.Txn.Type != types.ApplicationCallTx || st.Txn.ApplicationID != app {
			continue
		}
		logs := make([][]byte, len(st.EvalDelta.Logs))
		for i, l := range st.EvalDelta.Logs {
			logs[i] = []byte(l)
		}
		if ev, ok := contracts.DecodeJobSettled(logs); ok && ev.ID == id {
			return ev, true, nil
		}
	}
	return contracts.JobSettled{}, false, nil
}
