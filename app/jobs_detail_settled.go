package app

import (
	"context"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/proof"
	"github.com/kinetic-compute/kinetic/ui"
)

// settledDetail completes the detail of a job this account paid for whose
// escrow box is gone (released, claimed, disputed or refunded): the job is
// over, its settlement transactions come from the job's record, and its
// proof chain, fetched again from the provider, is checked offline
// (signatures, links, job id and provider key; as a prefix, since step 9
// is there only once the provider has seen the settlement) and marked
// verified only
// when it passes and the autopilot verified the output against the
// on-chain anchor before settling (the record's digest).
func settledDetail(ctx context.Context, c *consumer.Client, r consumer.JobRecord, d ui.JobDetail) ui.JobDetail {
	d.Progress = 1
	// The output can still be saved: Save output checks a fresh download
	// against the digest journaled when it was verified.
	d.OutputReady = r.Digest != ""
	for _, tx := range r.Settlement {
		d.Txns = append(d.Txns, ui.ChainTx{What: "settlement (" + r.State + ")", TxID: tx})
	}
	chain, err := c.Proof(ctx, r.Job)
	if err != nil {
		return d // the provider may be gone; the settlement stands
	}
	id := proof.JobID(r.Job.ID)
	switch err := proof.VerifyPartial(chain, &id, r.Job.ProviderKey()); {
	case err != nil:
		d.Proof = proofSteps(chain, ui.ProofFailed, err.Error())
	case r.Digest != "":
		d.Proof = proofSteps(chain, ui.ProofVerified, "")
	default:
		d.Proof = proofSteps(chain, ui.ProofPending, "settled without its output being verified here")
	}
	return d
}
