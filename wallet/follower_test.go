package wallet

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// payerApproval pays its caller two inner payments (12345 and 1 µALGO);
// the caller covers the inner fees by fee pooling.
const payerApproval = `#pragma version 8
txn ApplicationID
bz done
itxn_begin
int pay
itxn_field TypeEnum
txn Sender
itxn_field Receiver
int 12345
itxn_field Amount
int 0
itxn_field Fee
itxn_next
int pay
itxn_field TypeEnum
txn Sender
itxn_field Receiver
int 1
itxn_field Amount
int 0
itxn_field Fee
itxn_submit
done:
int 1
return
`

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

// deployPayer creates the payer app from creator and funds its account.
func deployPayer(t *testing.T, ctx context.Context, c *algod.Client, creator crypto.Account) uint64 {
	t.Helper()
	approval := compileTEAL(t, ctx, c, payerApproval)
	clear := compileTEAL(t, ctx, c, "#pragma version 8\nint 1\nreturn\n")
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := transaction.MakeApplicationCreateTx(false, approval, clear, types.StateSchema{}, types.StateSchema{},
		nil, nil, nil, nil, sp, creator.Address, nil, types.Digest{}, [32]byte{}, types.ZeroAddress)
	if err != nil {
		t.Fatal(err)
	}
	ch := &Chain{Client: c}
	rec, err := ch.submit(ctx, transaction.BasicAccountTransactionSigner{Account: creator}, tx, JobID{})
	if err != nil {
		t.Fatal(err)
	}
	info, _, err := c.PendingTransactionInformation(rec.TxID).Do(ctx)
	if err != nil || info.ApplicationIndex == 0 {
		t.Fatalf("app id: %v", err)
	}
	testkit.Fund(t, crypto.GetApplicationAddress(info.ApplicationIndex).String(), 1_000_000)
	return info.ApplicationIndex
}

// callPayer calls the payer app from signer's account, paying 3 fees.
func callPayer(t *testing.T, ctx context.Context, c *algod.Client, signer *Signer, app uint64) string {
	t.Helper()
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sp.FlatFee, sp.Fee = true, 3000
	tx, err := transaction.MakeApplicationNoOpTx(app, nil, nil, nil, nil, sp, signer.Address(), nil, types.Digest{}, [32]byte{}, types.ZeroAddress)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := (&Chain{Client: c}).submit(ctx, signer, tx, JobID{})
	if err != nil {
		t.Fatal(err)
	}
	return rec.TxID
}

// pay sends amount from signer through Chain.Quote and Chain.Send.
func pay(t *testing.T, ctx context.Context, ch *Chain, signer transaction.TransactionSigner, from, to string, amount uint64) Receipt {
	t.Helper()
	q, err := ch.Quote(ctx, from, to, amount, []byte("wallet test"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ch.Send(ctx, signer, q)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func setCursor(t *testing.T, db *bolt.DB, c *algod.Client, round uint64) {
	t.Helper()
	f := &Follower{Client: c, DB: db}
	key, err := f.cursorKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFollower)
		if err != nil {
			return err
		}
		return b.Put(key, []byte{byte(round >> 56), byte(round >> 48), byte(round >> 40), byte(round >> 32), byte(round >> 24), byte(round >> 16), byte(round >> 8), byte(round)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func reopenDB(t *testing.T, db *bolt.DB) *bolt.DB {
	t.Helper()
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db2.Close() })
	return db2
}

func keysOf(t *testing.T, db *bolt.DB, addr string) map[string]Entry {
	t.Helper()
	es, err := NewHistory(db).Entries(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Entry{}
	for _, e := range es {
		if _, dup := m[e.Key]; dup {
			t.Fatalf("entry %s recorded twice", e.Key)
		}
		m[e.Key] = e
	}
	return m
}
