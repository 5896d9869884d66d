package testkit

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
)

type chain struct {
	m         *localnet.Manager
	c         *algod.Client
	url, tok  string
	dispenser crypto.Account
}

var chainOnce once[*chain]

func getChain() (*chain, error) {
	return chainOnce.get(func() (*chain, error) {
		dir, err := localnet.DefaultDir()
		if err != nil {
			return nil, err
		}
		m := localnet.New(dir, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := m.Status(ctx)
		if err != nil {
			return nil, err
		}
		if !st.Running {
			return nil, fmt.Errorf("no LocalNet answers in %s (start it with 'make localnet' or 'kinetic localnet up')", dir)
		}
		url, tok, err := m.Endpoint()
		if err != nil {
			return nil, err
		}
		c, err := m.Client()
		if err != nil {
			return nil, err
		}
		d, err := m.Dispenser(ctx)
		if err != nil {
			return nil, err
		}
		return &chain{m: m, c: c, url: url, tok: tok, dispenser: d}, nil
	})
}

func mustChain(t testing.TB) *chain {
	t.Helper()
	ch, err := getChain()
	if err != nil {
		Missing(t, "LocalNet algod", err)
	}
	return ch
}

// Algod returns a client of the running LocalNet node.
func Algod(t testing.TB) *algod.Client { t.Helper(); return mustChain(t).c }

// AlgodEndpoint returns the LocalNet REST URL and API token.
func AlgodEndpoint(t testing.TB) (url, token string) {
	t.Helper()
	ch := mustChain(t)
	return ch.url, ch.tok
}

// LocalNet returns the manager of the running LocalNet.
func LocalNet(t testing.TB) *localnet.Manager { t.Helper(); return mustChain(t).m }

// Dispenser returns LocalNet's genesis account. Use it to fund accounts,
// never as a test's own actor: tests share it across packages.
func Dispenser(t testing.TB) crypto.Account { t.Helper(); return mustChain(t).dispenser }

// Fund pays microAlgos from the dispenser to addr and waits for confirmation.
func Fund(t testing.TB, addr string, microAlgos uint64) {
	t.Helper()
	ch := mustChain(t)
	if _, err := localnet.Fund(Context(t, 30*time.Second), ch.c, ch.dispenser, addr, microAlgos); err != nil {
		t.Fatalf("testkit: fund %s: %v", addr, err)
	}
}

// FundedAccount returns a fresh account holding microAlgos, confirmed.
func FundedAccount(t testing.TB, microAlgos uint64) crypto.Account {
	t.Helper()
	acct := crypto.GenerateAccount()
	Fund(t, acct.Address.String(), microAlgos)
	return acct
}

// AdvanceRounds makes the DevMode node produce n blocks, one zero-amount
// self-payment of the dispenser each, so that round-based deadlines and
// windows pass. No test account's balance moves.
func AdvanceRounds(t testing.TB, n int) {
	t.Helper()
	ch := mustChain(t)
	ctx := Context(t, time.Minute)
	self := ch.dispenser.Address.String()
	for i := 0; i < n; i++ {
		sp, err := ch.c.SuggestedParams().Do(ctx)
		if err != nil {
			t.Fatalf("testkit: advance: %v", err)
		}
		note := make([]byte, 16)
		if _, err := rand.Read(note); err != nil {
			t.Fatal(err)
		}
		tx, err := transaction.MakePaymentTxn(self, self, 0, note, "", sp)
		if err != nil {
			t.Fatalf("testkit: advance: %v", err)
		}
		txid, stx, err := crypto.SignTransaction(ch.dispenser.PrivateKey, tx)
		if err != nil {
			t.Fatalf("testkit: advance: %v", err)
		}
		if _, err := ch.c.SendRawTransaction(stx).Do(ctx); err != nil {
			t.Fatalf("testkit: advance: %v", err)
		}
		if _, err := transaction.WaitForConfirmation(ch.c, txid, 4, ctx); err != nil {
			t.Fatalf("testkit: advance: %v", err)
		}
	}
}

// AdvanceTime makes the DevMode node produce one block whose timestamp is
// at least seconds after the previous block's: it sets the node's block
// timestamp offset (/v2/devmode/blocks/offset), advances one round and
// clears the offset again.
func AdvanceTime(t testing.TB, seconds uint64) {
	t.Helper()
	ch := mustChain(t)
	ctx := Context(t, time.Minute)
	if _, err := ch.c.SetBlockTimeStampOffset(seconds).Do(ctx); err != nil {
		t.Fatalf("testkit: set block time offset: %v", err)
	}
	defer func() {
		if _, err := ch.c.SetBlockTimeStampOffset(0).Do(ctx); err != nil {
			t.Errorf("testkit: clear block time offset: %v", err)
		}
	}()
	AdvanceRounds(t, 1)
}
