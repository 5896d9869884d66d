package contracts

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/abi"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// Errors of AppCallAt; test for them with errors.Is.
var (
	// ErrTxNotFound reports a transaction id that is not among the block's
	// top-level transactions.
	ErrTxNotFound = errors.New("contracts: transaction not found in that round")
	// ErrNotAppCall reports a transaction that is not an application call.
	ErrNotAppCall = errors.New("contracts: transaction is not an application call")
	// ErrRoundInFuture reports a round the node has not reached yet.
	ErrRoundInFuture = errors.New("contracts: round is past the node's last round")
)

// AppCall is a confirmed top-level application call, read from its block.
type AppCall struct {
	TxID       string
	Round      uint64
	Sender     types.Address
	AppID      uint64
	OnComplete types.OnCompletion
	Group      types.Digest // zero when the call was not grouped
	// Args are the application arguments; Args[0] is the ARC-4 method
	// selector of a method call.
	Args [][]byte
	// Logs are the call's own logs (not those of its inner transactions).
	Logs [][]byte
}

// AppCallAt reads the application call txid confirmed in round from the
// node's copy of that block, without an indexer. Block transactions are
// stored with the genesis id and hash stripped; they are restored from the
// block header to compute each transaction's id. It fails with
// ErrRoundInFuture, ErrTxNotFound or ErrNotAppCall.
func AppCallAt(ctx context.Context, c *algod.Client, round uint64, txid string) (AppCall, error) {
	st, err := c.Status().Do(ctx)
	if err != nil {
		return AppCall{}, fmt.Errorf("contracts: node status: %w", err)
	}
	if round > st.LastRound {
		return AppCall{}, fmt.Errorf("%w: round %d, node at %d", ErrRoundInFuture, round, st.LastRound)
	}
	blk, err := c.Block(round).Do(ctx)
	if err != nil {
		return AppCall{}, fmt.Errorf("contracts: block %d: %w", round, err)
	}
	for _, stib := range blk.Payset {
		txn := blockTxn(blk.BlockHeader, stib)
		if crypto.GetTxID(txn) != txid {
			continue
		}
		if txn.Type != types.ApplicationCallTx {
			return AppCall{}, fmt.Errorf("%w: %s in round %d is a %q transaction", ErrNotAppCall, txid, round, txn.Type)
		}
		call := AppCall{TxID: txid, Round: round, Sender: txn.Sender, AppID: uint64(txn.ApplicationID),
			OnComplete: txn.OnCompletion, Group: txn.Group}
		for _, a := range txn.ApplicationArgs {
			call.Args = append(call.Args, bytes.Clone(a))
		}
		for _, l := range stib.EvalDelta.Logs {
			call.Logs = append(call.Logs, []byte(l))
		}
		if call.AppID == 0 {
			call.AppID = uint64(stib.ApplyData.ApplicationID) // a creation
		}
		return call, nil
	}
	return AppCall{}, fmt.Errorf("%w: %s is not in round %d", ErrTxNotFound, txid, round)
}

// AppCallAt reads a confirmed application call; see the function AppCallAt.
func (c *Client) AppCallAt(ctx context.Context, round uint64, txid string) (AppCall, error) {
	return AppCallAt(ctx, c.algod, round, txid)
}

// blockTxn restores the fields a block strips from its transactions: the
// genesis hash always (every protocol since v17 requires it), the genesis
// id when the transaction carried one.
func blockTxn(h types.BlockHeader, stib types.SignedTxnInBlock) types.Transaction {
	txn := stib.SignedTxn.Txn
	if stib.HasGenesisID {
		txn.GenesisID = h.GenesisID
	}
	if txn.GenesisHash == (types.Digest{}) {
		txn.GenesisHash = h.GenesisHash
	}
	return txn
}

// MethodSelector returns the 4-byte ARC-4 selector of the method named
// name ("submit_result") of the declared application app ("Escrow").
func MethodSelector(app, name string) ([]byte, error) {
	for _, d := range Apps() {
		if d.Name != app {
			continue
		}
		for _, md := range d.Methods {
			m, err := abi.MethodFromSignature(md.Signature)
			if err != nil {
				return nil, fmt.Errorf("contracts: %w", err)
			}
			if m.Name == name {
				return m.GetSelector(), nil
			}
		}
	}
	return nil, fmt.Errorf("contracts: no method %s.%s", app, name)
}

// JobCreated is the Escrow's ARC-28 event logged by create_job.
type JobCreated struct {
	ID            JobID
	Consumer      types.Address
	Provider      types.Address
	Locked        uint64
	RatePerHour   uint64
	MaxSeconds    uint64
	DeadlineRound uint64
	SpecHash      Hash
	Nonce         Hash
}

// JobCreatedSignature is the ARC-28 signature of the job creation event.
const JobCreatedSignature = "JobCreated(byte[32],address,address,uint64,uint64,uint64,uint64,byte[32],byte[32])"

// DecodeJobCreated finds and decodes the JobCreated event among a
// transaction's logs.
func DecodeJobCreated(logs [][]byte) (JobCreated, bool) {
	sel := EventSelector(JobCreatedSignature)
	for _, l := range logs {
		if len(l) != 4+32*5+8*4 || !bytes.Equal(l[:4], sel) {
			continue
		}
		var ev JobCreated
		b := l[4:]
		copy(ev.ID[:], b[0:32])
		copy(ev.Consumer[:], b[32:64])
		copy(ev.Provider[:], b[64:96])
		ev.Locked = binary.BigEndian.Uint64(b[96:])
		ev.RatePerHour = binary.BigEndian.Uint64(b[104:])
		ev.MaxSeconds = binary.BigEndian.Uint64(b[112:])
		ev.DeadlineRound = binary.BigEndian.Uint64(b[120:])
		copy(ev.SpecHash[:], b[128:160])
		copy(ev.Nonce[:], b[160:192])
		return ev, true
	}
	return JobCreated{}, false
}

// JobToppedUp is the Escrow's ARC-28 event logged by top_up.
type JobToppedUp struct {
	ID            JobID
	Added         uint64
	Locked        uint64
	MaxSeconds    uint64
	DeadlineRound uint64
}

// JobToppedUpSignature is the ARC-28 signature of the top-up event.
const JobToppedUpSignature = "JobToppedUp(byte[32],uint64,uint64,uint64,uint64)"

// DecodeJobToppedUp finds and decodes the JobToppedUp event among a
// transaction's logs.
func DecodeJobToppedUp(logs [][]byte) (JobToppedUp, bool) {
	sel := EventSelector(JobToppedUpSignature)
	for _, l := range logs {
		if len(l) != 4+32+8*4 || !bytes.Equal(l[:4], sel) {
			continue
		}
		var ev JobToppedUp
		b := l[4:]
		copy(ev.ID[:], b[0:32])
		ev.Added = binary.BigEndian.Uint64(b[32:])
		ev.Locked = binary.BigEndian.Uint64(b[40:])
		ev.MaxSeconds = binary.BigEndian.Uint64(b[48:])
		ev.DeadlineRound = binary.BigEndian.Uint64(b[56:])
		return ev, true
	}
	return JobToppedUp{}, false
}
