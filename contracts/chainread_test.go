package contracts_test

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"slices"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// TestAppCallAt runs one released job and reads its three calls back from
// their blocks, checking ids against the node's own txids listing.
func TestAppCallAt(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{10, 20, 30}))
	p := e.registered()
	consumer := newActor(t, 5_000_000)
	jp := e.job(p, consumer, 100, 10)
	created, err := e.create(jp)
	if err != nil {
		t.Fatalf("create_job: %v", err)
	}
	submitted, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, jp.ID, proofHash, outputHash, billSecs)
	if err != nil {
		t.Fatalf("submit_result: %v", err)
	}
	released, err := e.c.Release(e.ctx, consumer.addr, consumer.signer, jp.ID)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	for _, r := range []contracts.Result{created, submitted, released} {
		got, err := e.c.Algod().GetBlockTxids(r.Round).Do(e.ctx)
		if err != nil {
			t.Fatalf("txids of round %d: %v", r.Round, err)
		}
		for _, id := range r.TxIDs {
			if !slices.Contains(got.Blocktxids, id) {
				t.Errorf("round %d: node lists %v, lacks %s", r.Round, got.Blocktxids, id)
			}
		}
	}

	call := func(r contracts.Result, method string) contracts.AppCall {
		t.Helper()
		txid := r.TxIDs[len(r.TxIDs)-1]
		c, err := e.c.AppCallAt(e.ctx, r.Round, txid)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		sel, err := contracts.MethodSelector("Escrow", method)
		if err != nil {
			t.Fatal(err)
		}
		arg1 := jp.ID[:]
		if method == "create_job" {
			arg1 = jp.Nonce[:]
		}
		if c.TxID != txid || c.Round != r.Round || c.AppID != e.d.Apps.Escrow || len(c.Args) < 2 ||
			!bytes.Equal(c.Args[0], sel) || !bytes.Equal(c.Args[1], arg1) {
			t.Fatalf("%s: read %+v", method, c)
		}
		return c
	}
	c := call(created, "create_job")
	ev, ok := contracts.DecodeJobCreated(c.Logs)
	if c.Sender != p.addr || !ok || ev.ID != jp.ID || ev.Consumer != consumer.addr || ev.Provider != p.addr || ev.Locked != lockAmount ||
		ev.RatePerHour != testRate || ev.MaxSeconds != 1000 || ev.SpecHash != jp.SpecHash || ev.Nonce != jp.Nonce {
		t.Errorf("create_job: sender %s, event %+v (%v)", c.Sender, ev, ok)
	}
	if c.Group == ([32]byte{}) {
		t.Error("create_job: no group id")
	}
	c = call(submitted, "submit_result")
	if c.Sender != p.addr || !bytes.Equal(c.Args[2], proofHash[:]) || !bytes.Equal(c.Args[3], outputHash[:]) {
		t.Errorf("submit_result: %+v", c)
	}
	c = call(released, "release")
	settled, ok := contracts.DecodeJobSettled(c.Logs)
	if !ok || settled.ProofHash != proofHash || settled.OutputHash != outputHash ||
		settled.PaidProvider != billAmount || settled.Outcome != contracts.OutcomeReleased {
		t.Errorf("release: event %+v (%v)", settled, ok)
	}

	st, err := e.c.Algod().Status().Do(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		round uint64
		txid  string
		want  error
	}{
		{"another round", submitted.Round, released.TxIDs[0], contracts.ErrTxNotFound},
		{"unknown id", released.Round, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", contracts.ErrTxNotFound},
		{"payment", created.Round, created.TxIDs[0], contracts.ErrNotAppCall},
		{"future round", st.LastRound + 1000, released.TxIDs[0], contracts.ErrRoundInFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := contracts.AppCallAt(e.ctx, e.c.Algod(), tt.round, tt.txid); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMethodSelector(t *testing.T) {
	tests := []struct {
		app, name string
		signature string // "" when no such method
	}{
		{"Escrow", "release", "release(byte[32])void"},
		{"Escrow", "submit_result", "submit_result(byte[32],byte[32],byte[32],uint64)void"},
		{"Registry", "heartbeat", "heartbeat()void"},
		{"Escrow", "heartbeat", ""},
		{"Nope", "release", ""},
	}
	for _, tt := range tests {
		got, err := contracts.MethodSelector(tt.app, tt.name)
		if tt.signature == "" {
			if err == nil {
				t.Errorf("%s.%s: selector %x, want an error", tt.app, tt.name, got)
			}
			continue
		}
		want := sha512.Sum512_256([]byte(tt.signature))
		if err != nil || !bytes.Equal(got, want[:4]) {
			t.Errorf("%s.%s: %x, %v; want %x", tt.app, tt.name, got, err, want[:4])
		}
	}
}

// TestBuildCreateJobGroup: the unsigned x402 group — index 0 the
// consumer's payment of locked + job box MBR (+ the pair record the first
// time), index 1 the provider's create_job call (fee 2000), one group id —
// signed separately by each side and sent pre-signed, opens the job under
// JobIDFor's id; the pair's next offer pays no pair record.
func TestBuildCreateJobGroup(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{10, 20, 30}))
	p, cons := e.registered(), newActor(t, 5_000_000)
	for i, wantPair := range []uint64{contracts.PairRecordMBR, 0} {
		j := e.job(p, cons, 100, 10)
		g, err := e.c.BuildCreateJobGroup(e.ctx, j.Offer)
		if err != nil {
			t.Fatal(err)
		}
		pay, call := g[0], g[1]
		if len(g) != 2 || pay.Sender != cons.addr || pay.Receiver != e.escrowAddr() ||
			uint64(pay.Amount) != lockAmount+contracts.JobBoxMBR+wantPair || pay.Fee != 1000 ||
			call.Sender != p.addr || uint64(call.ApplicationID) != e.d.Apps.Escrow || call.Fee != 2000 ||
			pay.Group == (types.Digest{}) || pay.Group != call.Group {
			t.Fatalf("offer %d: group %+v", i, g)
		}
		_, signedPay, err := crypto.SignTransaction(cons.acct.PrivateKey, pay)
		if err != nil {
			t.Fatal(err)
		}
		_, signedCall, err := crypto.SignTransaction(p.acct.PrivateKey, call)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.SendGroup(e.ctx, [][]byte{signedPay, signedCall}); err != nil {
			t.Fatalf("offer %d: send: %v", i, err)
		}
		job, err := e.c.Job(e.ctx, contracts.JobIDFor(p.addr, cons.addr, j.Nonce))
		if err != nil || job.Consumer != cons.addr || job.Locked != lockAmount {
			t.Fatalf("offer %d: job %+v %v", i, job, err)
		}
	}
}
