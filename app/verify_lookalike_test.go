package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/proof"
)

// lookalikeTEAL accepts any call and logs each record of its note (a
// 2-byte big-endian length, then that many bytes): whoever calls it with
// an Escrow call's arguments and that call's logs (events and return
// value) in the note makes a transaction that reads like the Escrow call.
const lookalikeTEAL = `#pragma version 10
txn ApplicationID
bz done
int 0
store 0
next:
load 0
txn Note
len
>=
bnz done
txn Note
load 0
extract_uint16
store 1
txn Note
load 0
int 2
+
load 1
extract3
log
load 0
int 2
+
load 1
+
store 0
b next
done:
int 1
`

// compileTEAL compiles src with the node's developer API.
func compileTEAL(t *testing.T, ctx context.Context, c *algod.Client, src string) []byte {
	t.Helper()
	res, err := c.TealCompile([]byte(src)).Do(ctx)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	prog, err := base64.StdEncoding.DecodeString(res.Result)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// sendCall signs and sends tx by from and waits for it; it returns the
// transaction id, its round and, for a creation, the new app id.
func sendCall(t *testing.T, ctx context.Context, c *algod.Client, from crypto.Account, tx types.Transaction) (string, uint64, uint64) {
	t.Helper()
	txid, signed, err := crypto.SignTransaction(from.PrivateKey, tx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendRawTransaction(signed).Do(ctx); err != nil {
		t.Fatalf("send: %v", err)
	}
	info, err := transaction.WaitForConfirmation(c, txid, 8, ctx)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	return txid, info.ConfirmedRound, info.ApplicationIndex
}

// lookalikeJob replays a real job's three Escrow calls on a lookalike app
// (same selectors, same arguments, the same JobCreated and JobSettled
// event bytes), sent by the provider, and returns that app's id and the
// proof bodies edited to name those calls.
func lookalikeJob(t *testing.T, ctx context.Context, j *chainJob) (uint64, func([]any)) {
	t.Helper()
	c := testkit.Algod(t)
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	approval := compileTEAL(t, ctx, c, lookalikeTEAL)
	clear := compileTEAL(t, ctx, c, "#pragma version 10\nint 1\n")
	create, err := transaction.MakeApplicationCreateTx(false, approval, clear, types.StateSchema{}, types.StateSchema{},
		nil, nil, nil, nil, sp, j.provider.Address, nil, types.Digest{}, [32]byte{}, types.Address{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, app := sendCall(t, ctx, c, j.provider, create)
	// The forged proof's hash_7 differs from the real one (its step 2
	// names another transaction): the replayed calls carry the forged one.
	var oldAnchor, newAnchor []byte
	replay := func(real contracts.Result) (string, uint64) {
		call, err := contracts.AppCallAt(ctx, c, real.Round, callTx(real))
		if err != nil {
			t.Fatal(err)
		}
		swap := func(b []byte) []byte {
			if oldAnchor == nil {
				return b
			}
			return bytes.ReplaceAll(b, oldAnchor, newAnchor)
		}
		args := make([][]byte, len(call.Args))
		for i, a := range call.Args {
			args[i] = swap(a)
		}
		var logs []byte // the lookalike logs each record of its note
		for _, l := range call.Logs {
			logs = binary.BigEndian.AppendUint16(logs, uint16(len(l)))
			logs = append(logs, swap(l)...)
		}
		tx, err := transaction.MakeApplicationNoOpTx(app, args, nil, nil, nil, sp, j.provider.Address, logs,
			types.Digest{}, [32]byte{}, types.Address{})
		if err != nil {
			t.Fatal(err)
		}
		txid, round, _ := sendCall(t, ctx, c, j.provider, tx)
		return txid, round
	}
	lockTx, lockRound := replay(j.created)
	real := j.chain(t, proof.AnchorIndex, nil).Steps[proof.AnchorIndex-1].Hash
	forged := j.chain(t, proof.AnchorIndex, func(b []any) {
		b[1] = proof.NewEscrowLocked(app, lockTx, lockRound, testLocked)
	}).Steps[proof.AnchorIndex-1].Hash
	oldAnchor, newAnchor = real[:], forged[:]
	anchorTx, anchorRound := replay(j.submitted)
	settleTx, settleRound := replay(j.settled)
	return app, func(b []any) {
		b[1] = proof.NewEscrowLocked(app, lockTx, lockRound, testLocked)
		b[7] = proof.NewResultAnchored(anchorTx, anchorRound, app)
		b[8] = proof.NewPaymentReleased(settleTx, settleRound, j.kind, testBill)
	}
}

// TestRunVerifyOnChainRefusesLookalikeEscrow: a proof whose transactions
// are calls of a lookalike app, with the Escrow's selectors, arguments
// and event bytes, fails however that app is named: by the proof alone
// (the network's Escrow is another app), by --escrow-app or by a
// deployment store record (its program is not the committed Escrow).
func TestRunVerifyOnChainRefusesLookalikeEscrow(t *testing.T) {
	e := newChainEnv(t)
	j := e.run(proof.SettlementRelease)
	app, edit := lookalikeJob(t, e.ctx, j)
	url, token := testkit.AlgodEndpoint(t)
	forged := writeChain(t, j.chain(t, 9, edit))
	online := []string{"--algod", url, "--algod-token", token}

	dataDir := t.TempDir()
	saveDeployment(t, dataDir, e, e.c.Apps())
	_, err := runVerifyIn(t, dataDir, append(online, forged)...)
	want := fmt.Sprintf("step 2: names Escrow app %d, but the deployment store names %d", app, j.escrow)
	if !errors.Is(err, errOnChain) || !strings.Contains(err.Error(), want) {
		t.Errorf("lookalike named by the proof: err = %v, want %q", err, want)
	}

	_, err = runVerifyIn(t, t.TempDir(), append(online, "--escrow-app", fmt.Sprint(app), forged)...)
	want = fmt.Sprintf("app %d (from --escrow-app) is not the Escrow", app)
	if !errors.Is(err, contracts.ErrProgramMismatch) || !strings.Contains(err.Error(), want) {
		t.Errorf("lookalike named by --escrow-app: err = %v, want %q", err, want)
	}

	forgedStore := t.TempDir()
	apps := e.c.Apps()
	apps.Escrow = app
	saveDeployment(t, forgedStore, e, apps)
	_, err = runVerifyIn(t, forgedStore, append(online, forged)...)
	want = fmt.Sprintf("app %d (from the deployment store) is not the Escrow", app)
	if !errors.Is(err, contracts.ErrProgramMismatch) || !strings.Contains(err.Error(), want) {
		t.Errorf("lookalike recorded in the store: err = %v, want %q", err, want)
	}
}

// TestRunVerifyOnChainNoEscrowKnown: with no --escrow-app, no store record
// and no ARC-56 entry for the node's network, verify refuses rather than
// trusting the app the proof names.
func TestRunVerifyOnChainNoEscrowKnown(t *testing.T) {
	e := newChainEnv(t)
	j := e.run(proof.SettlementRelease)
	url, token := testkit.AlgodEndpoint(t)
	t.Setenv(EnvAlgodURL, "")
	t.Setenv(EnvAlgodToken, "")
	r, stdout, _ := testRunner(t)
	err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), "--localnet-dir", filepath.Join(t.TempDir(), "none"),
		"verify", "--algod", url, "--algod-token", token, writeChain(t, j.chain(t, 9, nil))})
	if !errors.Is(err, contracts.ErrNoDeployment) || !strings.Contains(err.Error(), "pass --escrow-app ID") {
		t.Fatalf("err = %v, want ErrNoDeployment naming --escrow-app", err)
	}
	if strings.Contains(stdout.String(), "checked on-chain") {
		t.Fatalf("printed the on-chain line:\n%s", stdout)
	}
}

// saveDeployment records apps as the node's deployment in dataDir's
// deployments.json, where verify looks for the network's Escrow.
func saveDeployment(t *testing.T, dataDir string, e *chainEnv, apps contracts.AppIDs) {
	t.Helper()
	sp, err := testkit.Algod(t).SuggestedParams().Do(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	store := contracts.NewFileDeploymentStore(filepath.Join(dataDir, "deployments.json"))
	if err := store.Save(contracts.Deployment{Network: sp.GenesisID, GenesisHash: genesisHashOf(sp.GenesisHash), Apps: apps}); err != nil {
		t.Fatal(err)
	}
}

// runVerifyIn runs `kinetic verify` with args and the data dir dataDir.
func runVerifyIn(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	t.Setenv(EnvAlgodURL, "")
	t.Setenv(EnvAlgodToken, "")
	r, stdout, _ := testRunner(t)
	err := r.run(context.Background(), append([]string{"--data-dir", dataDir, "verify"}, args...))
	return stdout.String(), err
}
