package wallet

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/common/models"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/indexer"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fakeIndexer answers GET /v2/transactions like indexer v2 from the JSON
// transactions it holds: filters address (any role, inner transactions
// included), min-round, max-round, round and group-id; pages by limit with
// an opaque next-token, which it returns whenever a page is full.
type fakeIndexer struct {
	txns   []map[string]any
	status int           // when non-zero, every request fails with it
	hold   chan struct{} // when non-nil, told of each request, which then waits for its context
	mu     sync.Mutex
	asked  []string // raw queries served
}

func (f *fakeIndexer) client(t *testing.T) *indexer.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	c, err := indexer.MakeClient(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeIndexer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.asked = append(f.asked, r.URL.RawQuery)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path != "/v2/transactions":
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"no such endpoint"}`))
		return
	case f.hold != nil:
		f.hold <- struct{}{}
		<-r.Context().Done()
		return
	case f.status != 0:
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"message":"database unavailable"}`))
		return
	}
	q := r.URL.Query()
	num := func(k string, def uint64) uint64 {
		if v, err := strconv.ParseUint(q.Get(k), 10, 64); err == nil {
			return v
		}
		return def
	}
	var match []map[string]any
	for _, raw := range f.txns {
		m := decodeIndexerTxn(raw)
		rnd := m.ConfirmedRound
		if rnd < num("min-round", 0) || rnd > num("max-round", ^uint64(0)) || (q.Has("round") && rnd != num("round", 0)) {
			continue
		}
		if a := q.Get("address"); a != "" && !involves(m, a) {
			continue
		}
		if g := q.Get("group-id"); g != "" && base64.StdEncoding.EncodeToString(m.Group) != g {
			continue
		}
		match = append(match, raw)
	}
	from, limit := int(num("next", 0)), int(num("limit", 1000))
	page := match[min(from, len(match)):min(from+limit, len(match))]
	resp := map[string]any{"current-round": 1 << 40, "transactions": page}
	if len(page) == limit {
		resp["next-token"] = strconv.Itoa(from + limit)
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func decodeIndexerTxn(raw map[string]any) models.Transaction {
	b, _ := json.Marshal(raw)
	var m models.Transaction
	_ = json.Unmarshal(b, &m)
	return m
}

// involves mirrors the indexer's participation rule: any address role in
// the transaction or in its inner transactions.
func involves(m models.Transaction, a string) bool {
	roles := []string{m.Sender, m.RekeyTo, m.PaymentTransaction.Receiver, m.PaymentTransaction.CloseRemainderTo,
		m.AssetTransferTransaction.Sender, m.AssetTransferTransaction.Receiver, m.AssetTransferTransaction.CloseTo}
	return slices.Contains(roles, a) || slices.ContainsFunc(m.InnerTxns, func(in models.Transaction) bool { return involves(in, a) })
}

// payJSON is a synthetic indexer payment at round/intra.
func payJSON(id string, round, intra uint64, from, to string, amount uint64) map[string]any {
	return map[string]any{
		"id": id, "confirmed-round": round, "round-time": 1_700_000_000 + round, "intra-round-offset": intra,
		"tx-type": "pay", "sender": from, "fee": 1000, "first-valid": round - 1, "last-valid": round + 999,
		"genesis-id":          "test-v1",
		"payment-transaction": map[string]any{"receiver": to, "amount": amount},
	}
}

func newAddr() string { return crypto.GenerateAccount().Address.String() }

func TestIndexerBackfillPaging(t *testing.T) {
	me, other := newAddr(), newAddr()
	f := &fakeIndexer{}
	for i := range uint64(5) {
		f.txns = append(f.txns, payJSON("TX"+strconv.FormatUint(i, 10), 10+i, 0, other, me, 100+i))
	}
	f.txns = append(f.txns, payJSON("NOTME", 12, 1, other, newAddr(), 7))
	c := f.client(t)
	tests := []struct {
		name     string
		page     uint64
		max      int
		min, hi  uint64
		want     int
		wantErr  error
		requests int
	}{
		{name: "two pages", page: 3, want: 5, hi: 100, requests: 2},
		{name: "full last page then empty", page: 5, want: 5, hi: 100, requests: 2},
		{name: "round range", page: 2, want: 2, min: 11, hi: 12, requests: 2},
		{name: "max total", page: 2, max: 3, hi: 100, wantErr: ErrBackfillTooLarge, requests: 2},
		{name: "default page", want: 5, hi: 100, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.asked = nil
			b := &IndexerBackfiller{Client: c, PageSize: tc.page, MaxTransactions: tc.max}
			got, err := b.Backfill(context.Background(), me, tc.min, tc.hi)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(got) != tc.want || len(f.asked) != tc.requests {
				t.Fatalf("%d entries in %d requests (%q), want %d in %d", len(got), len(f.asked), f.asked, tc.want, tc.requests)
			}
			for i, e := range got {
				if e.Round < tc.min || e.Round > tc.hi || e.Receiver != me || (i > 0 && e.Round <= got[i-1].Round) {
					t.Fatalf("entry %d: %+v", i, e)
				}
			}
		})
	}
}

func TestIndexerBackfillErrors(t *testing.T) {
	me := newAddr()
	failing := &fakeIndexer{status: http.StatusInternalServerError}
	if _, err := (&IndexerBackfiller{Client: failing.client(t)}).Backfill(context.Background(), me, 0, 10); err == nil {
		t.Fatal("indexer 500: no error")
	}
	if _, err := (&IndexerBackfiller{Client: failing.client(t)}).Backfill(context.Background(), "not-an-address", 0, 10); err == nil {
		t.Fatal("bad address: no error")
	}

	held := &fakeIndexer{hold: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := (&IndexerBackfiller{Client: held.client(t)}).Backfill(ctx, me, 0, 10)
		done <- err
	}()
	<-held.hold
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled back-fill: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("back-fill ignores ctx")
	}
	if _, err := (&IndexerBackfiller{Client: held.client(t)}).Backfill(ctx, me, 0, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("back-fill on a done ctx: %v", err)
	}
}

// TestIndexerBackfillInnerAndRewards: only the levels touching us are
// returned, keyed by path, with the rewards credited to us and the
// close-out fields.
func TestIndexerBackfillInnerAndRewards(t *testing.T) {
	me, other, third := newAddr(), newAddr(), newAddr()
	app := uint64(77)
	appAddr := crypto.GetApplicationAddress(app).String()
	call := map[string]any{
		"id": "CALL", "confirmed-round": 20, "round-time": 1_700_000_020, "intra-round-offset": 2,
		"tx-type": "appl", "sender": other, "fee": 3000, "genesis-id": "test-v1", "sender-rewards": 5,
		"application-transaction": map[string]any{"application-id": app, "on-completion": "noop"},
		"inner-txns": []map[string]any{
			{"tx-type": "pay", "sender": appAddr, "fee": 0, "intra-round-offset": 3, "confirmed-round": 20, "receiver-rewards": 9,
				"payment-transaction": map[string]any{"receiver": me, "amount": 12345}},
			{"tx-type": "pay", "sender": appAddr, "fee": 0, "intra-round-offset": 4, "confirmed-round": 20,
				"payment-transaction": map[string]any{"receiver": other, "amount": 1}},
		},
	}
	closeOut := payJSON("CLOSE", 21, 0, third, other, 1000)
	closeOut["note"] = []byte("bye")
	closeOut["sender-rewards"], closeOut["close-rewards"], closeOut["closing-amount"] = 3, 7, 555
	closeOut["payment-transaction"] = map[string]any{"receiver": other, "amount": 1000, "close-remainder-to": me, "close-amount": 555}
	f := &fakeIndexer{txns: []map[string]any{payJSON("FILL0", 20, 0, other, third, 1), payJSON("FILL1", 20, 1, third, other, 1), call, closeOut}}
	lab := Labeler{EscrowApp: app}
	got, err := (&IndexerBackfiller{Client: f.client(t), Labeler: lab}).Backfill(context.Background(), me, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{
		Key: "CALL/0", TxID: "CALL", Path: []int{0}, Round: 20, Intra: 2, Time: time.Unix(1_700_000_020, 0).UTC(),
		Network: "test-v1", Type: "pay", Sender: appAddr, Receiver: me, Amount: 12345,
		Rewards: map[string]uint64{me: 9}, Label: LabelReleaseReceived, Counterparty: other, Accounts: []string{me},
	}, {
		Key: "CLOSE", TxID: "CLOSE", Round: 21, Time: time.Unix(1_700_000_021, 0).UTC(), Network: "test-v1",
		Type: "pay", Sender: third, Receiver: other, Amount: 1000, CloseTo: me, CloseAmount: 555, Fee: 1000,
		Note: []byte("bye"), Rewards: map[string]uint64{me: 7}, Label: LabelTransfer, Counterparty: third, Accounts: []string{me},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries\n got %+v\nwant %+v", got, want)
	}
}

// indexerFromAlgod builds the indexer v2 JSON of a confirmed transaction
// from algod's own view of it: the pending-transaction information (inner
// transactions, rewards, closing amounts), the block's time and the
// position of txid among the block's transaction ids.
func indexerFromAlgod(t *testing.T, ctx context.Context, c *algod.Client, txid string) map[string]any {
	t.Helper()
	pt, _, err := c.PendingTransactionInformation(txid).Do(ctx)
	if err != nil || pt.ConfirmedRound == 0 {
		t.Fatalf("pending info %s: round %d, %v", txid, pt.ConfirmedRound, err)
	}
	blk, err := c.Block(pt.ConfirmedRound).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := c.GetBlockTxids(pt.ConfirmedRound).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k := slices.Index(ids.Blocktxids, txid)
	if k < 0 {
		t.Fatalf("%s not among the txids of round %d", txid, pt.ConfirmedRound)
	}
	// The indexer's offset counts the inner transactions of earlier ones.
	intra := k
	for _, before := range ids.Blocktxids[:k] {
		bt, _, err := c.PendingTransactionInformation(before).Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		intra += countInner(models.PendingTransactionResponse(bt))
	}
	m := algodTxnJSON(models.PendingTransactionResponse(pt), pt.ConfirmedRound, uint64(blk.TimeStamp), &intra)
	m["id"] = txid
	return m
}

// algodTxnJSON writes pt in the indexer's schema; intra is the offset of
// pt, advanced past it and its inner transactions (as the indexer numbers them).
func algodTxnJSON(pt models.PendingTransactionResponse, round, roundTime uint64, intra *int) map[string]any {
	tx := pt.Transaction.Txn
	m := map[string]any{
		"confirmed-round": round, "round-time": roundTime, "intra-round-offset": *intra,
		"tx-type": string(tx.Type), "sender": tx.Sender.String(), "fee": uint64(tx.Fee),
		"first-valid": uint64(tx.FirstValid), "last-valid": uint64(tx.LastValid),
	}
	*intra++
	opt := func(k string, v any, ok bool) {
		if ok {
			m[k] = v
		}
	}
	opt("note", tx.Note, len(tx.Note) > 0)
	opt("genesis-id", tx.GenesisID, tx.GenesisID != "")
	opt("genesis-hash", tx.GenesisHash[:], tx.GenesisHash != types.Digest{})
	opt("group", tx.Group[:], tx.Group != types.Digest{})
	opt("rekey-to", tx.RekeyTo.String(), !tx.RekeyTo.IsZero())
	opt("sender-rewards", pt.SenderRewards, pt.SenderRewards != 0)
	opt("receiver-rewards", pt.ReceiverRewards, pt.ReceiverRewards != 0)
	opt("close-rewards", pt.CloseRewards, pt.CloseRewards != 0)
	opt("closing-amount", pt.ClosingAmount, pt.ClosingAmount != 0)
	opt("created-application-index", pt.ApplicationIndex, pt.ApplicationIndex != 0 && tx.ApplicationID == 0)
	opt("logs", pt.Logs, len(pt.Logs) > 0)
	switch tx.Type {
	case types.PaymentTx:
		p := map[string]any{"receiver": tx.Receiver.String(), "amount": uint64(tx.Amount)}
		if !tx.CloseRemainderTo.IsZero() {
			p["close-remainder-to"], p["close-amount"] = tx.CloseRemainderTo.String(), pt.ClosingAmount
		}
		m["payment-transaction"] = p
	case types.ApplicationCallTx:
		a := map[string]any{"application-id": uint64(tx.ApplicationID),
			"on-completion": []string{"noop", "optin", "closeout", "clear", "update", "delete"}[tx.OnCompletion]}
		opt("application-args", tx.ApplicationArgs, len(tx.ApplicationArgs) > 0)
		var boxes []map[string]any
		for _, br := range tx.BoxReferences {
			app := uint64(tx.ApplicationID)
			if br.ForeignAppIdx > 0 {
				app = uint64(tx.ForeignApps[br.ForeignAppIdx-1])
			}
			boxes = append(boxes, map[string]any{"app": app, "name": br.Name})
		}
		if len(boxes) > 0 {
			a["box-references"] = boxes
		}
		m["application-transaction"] = a
	}
	var inner []map[string]any
	for _, in := range pt.InnerTxns {
		inner = append(inner, algodTxnJSON(in, round, roundTime, intra))
	}
	opt("inner-txns", inner, len(inner) > 0)
	return m
}

func countInner(pt models.PendingTransactionResponse) int {
	n := len(pt.InnerTxns)
	for _, in := range pt.InnerTxns {
		n += countInner(in)
	}
	return n
}

// appCall is a fee-pooling (3 fees) NoOp call of app from sender.
func appCall(t *testing.T, ctx context.Context, c *algod.Client, sender types.Address, app uint64, boxes []types.AppBoxReference) types.Transaction {
	t.Helper()
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sp.FlatFee, sp.Fee = true, 3000
	tx, err := transaction.MakeApplicationNoOpTx(app, nil, nil, []uint64{app}, nil, sp, sender, nil, types.Digest{}, [32]byte{}, types.ZeroAddress)
	if err != nil {
		t.Fatal(err)
	}
	tx.BoxReferences = nil
	for _, b := range boxes {
		tx.BoxReferences = append(tx.BoxReferences, types.BoxReference{ForeignAppIdx: 1, Name: b.Name})
	}
	return tx
}

// sendGroup signs txs (by the matching account) as one group and awaits it.
func sendGroup(t *testing.T, ctx context.Context, c *algod.Client, txs []types.Transaction, signers []crypto.Account) []string {
	t.Helper()
	gid, err := crypto.ComputeGroupID(txs)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	var ids []string
	for i := range txs {
		txs[i].Group = gid
		id, stx, err := crypto.SignTransaction(signers[i].PrivateKey, txs[i])
		if err != nil {
			t.Fatal(err)
		}
		raw, ids = append(raw, stx...), append(ids, id)
	}
	if _, err := c.SendRawTransaction(raw).Do(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := transaction.WaitForConfirmation(c, id, 10, ctx); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// roundTrip stores entries as History does (JSON), for comparison with
// recorded ones.
func roundTrip(t *testing.T, es []Entry) map[string]Entry {
	t.Helper()
	out := map[string]Entry{}
	for _, e := range es {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back Entry
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[back.Key]; dup {
			t.Fatalf("entry %s returned twice", back.Key)
		}
		out[back.Key] = back
	}
	return out
}

// TestIndexerBackfillMatchesFollower: on LocalNet, for a payment, an app
// call with inner payments, a close-out to us and a group whose other
// member carries an Escrow job box, the indexer back-fill (served from
// algod's own view of those transactions) returns exactly the entries the
// block follower recorded; Follower.Backfill and FillGaps with it record
// them into fresh databases once.
func TestIndexerBackfillMatchesFollower(t *testing.T) {
	c := testkit.Algod(t)
	ctx := testkit.Context(t, 3*time.Minute)
	me, other, leaver := testkit.FundedAccount(t, 5_000_000), testkit.FundedAccount(t, 3_000_000), testkit.FundedAccount(t, 300_000)
	app := deployPayer(t, ctx, c, other)
	st, err := c.Status().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start, ch := st.LastRound+1, &Chain{Client: c}
	sign := func(a crypto.Account) transaction.BasicAccountTransactionSigner {
		return transaction.BasicAccountTransactionSigner{Account: a}
	}
	submit := func(a crypto.Account, tx types.Transaction) string {
		rec, err := ch.submit(ctx, sign(a), tx, JobID{})
		if err != nil {
			t.Fatal(err)
		}
		return rec.TxID
	}
	txids := []string{pay(t, ctx, ch, sign(me), me.Address.String(), newAddr(), 111_000).TxID}
	txids = append(txids, submit(me, appCall(t, ctx, c, me.Address, app, nil)))
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closeTx, err := transaction.MakePaymentTxn(leaver.Address.String(), newAddr(), 150_000, []byte("bye"), me.Address.String(), sp)
	if err != nil {
		t.Fatal(err)
	}
	txids = append(txids, submit(leaver, closeTx))
	job := append([]byte{'j'}, make([]byte, 32)...)
	job[5] = 0xab
	groupPay, err := transaction.MakePaymentTxn(me.Address.String(), newAddr(), 105_000, nil, "", sp)
	if err != nil {
		t.Fatal(err)
	}
	escrowCall := appCall(t, ctx, c, other.Address, app, []types.AppBoxReference{{AppID: app, Name: job}})
	// The call comes first: with its inner payments before ours, the indexer's
	// offset of our payment (3) is not its payset index (1).
	group := sendGroup(t, ctx, c, []types.Transaction{escrowCall, groupPay}, []crypto.Account{other, me})
	txids = append(txids, group[1], group[0])
	txids = append(txids, submit(other, appCall(t, ctx, c, other.Address, app, nil))) // not ours
	st, err = c.Status().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := st.LastRound

	lab := Labeler{EscrowApp: app}
	watch := func(context.Context) ([]string, error) { return []string{me.Address.String()}, nil }
	db := testkit.DB(t)
	f := &Follower{Client: c, DB: db, Labeler: lab, Watch: watch, StartRound: start}
	if _, err := f.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	want := keysOf(t, db, me.Address.String())
	checkScenario(t, want, txids, hex.EncodeToString(job[1:]))

	fake := &fakeIndexer{}
	for _, id := range txids {
		fake.txns = append(fake.txns, indexerFromAlgod(t, ctx, c, id))
	}
	if off := fake.txns[3]["intra-round-offset"]; off != 3 {
		t.Fatalf("indexer offset of the group payment %v, want 3", off)
	}
	b := &IndexerBackfiller{Client: fake.client(t), Labeler: lab, PageSize: 2}
	got, err := b.Backfill(ctx, me.Address.String(), start, last)
	if err != nil {
		t.Fatal(err)
	}
	if g := roundTrip(t, got); !reflect.DeepEqual(g, want) {
		t.Fatalf("indexer back-fill differs from the follower\n got %+v\nwant %+v", g, want)
	}

	// Back-filling what the follower recorded changes nothing.
	f.Indexer = b
	if n, err := f.Backfill(ctx, me.Address.String()); err != nil || n != 0 {
		t.Fatalf("Backfill over the follower's own records: %d new, %v", n, err)
	}
	if again := keysOf(t, db, me.Address.String()); !reflect.DeepEqual(again, want) {
		t.Fatal("Backfill altered the follower's records")
	}
	checkFreshBackfill(t, ctx, c, b, watch, last, want)
}

// checkScenario asserts the follower saw the scenario's labelled shapes.
func checkScenario(t *testing.T, want map[string]Entry, txids []string, job string) {
	t.Helper()
	checks := []struct {
		key   string
		label Label
		job   string
	}{
		{key: txids[0], label: LabelTransfer},
		{key: txids[1], label: LabelFee},
		{key: txids[1] + "/0", label: LabelRefund},
		{key: txids[1] + "/1", label: LabelRefund},
		{key: txids[2], label: LabelTransfer},
		{key: txids[3], label: LabelTransfer, job: job},
	}
	if len(want) != len(checks) {
		t.Fatalf("follower recorded %d entries, want %d: %+v", len(want), len(checks), want)
	}
	for _, c := range checks {
		e, ok := want[c.key]
		if !ok || e.Label != c.label || e.JobID != c.job {
			t.Fatalf("entry %s = %+v (found %v), want label %q job %q", c.key, e, ok, c.label, c.job)
		}
	}
	if e := want[txids[3]]; e.Intra != 1 {
		t.Fatalf("group payment at payset index %d, want 1", e.Intra)
	}
	if e := want[txids[2]]; e.CloseTo == "" || e.CloseAmount == 0 {
		t.Fatalf("close-out entry %+v", e)
	}
}

// checkFreshBackfill: Follower.Backfill and FillGaps with the indexer record
// want into fresh databases, exactly once.
func checkFreshBackfill(t *testing.T, ctx context.Context, c *algod.Client, b Backfiller, watch func(context.Context) ([]string, error), last uint64, want map[string]Entry) {
	t.Helper()
	me, _ := watch(ctx)
	db := testkit.DB(t)
	f := &Follower{Client: c, DB: db, Watch: watch, Indexer: b}
	setCursor(t, db, c, last+1)
	for i, wantN := range []int{len(want), 0} {
		if n, err := f.Backfill(ctx, me[0]); err != nil || n != wantN {
			t.Fatalf("Backfill #%d: %d new, %v; want %d", i+1, n, err, wantN)
		}
	}
	if got := keysOf(t, db, me[0]); !reflect.DeepEqual(got, want) {
		t.Fatalf("Backfill recorded\n %+v\nwant %+v", got, want)
	}

	db = testkit.DB(t)
	f = &Follower{Client: c, DB: db, Watch: watch, Indexer: b}
	setCursor(t, db, c, last+1)
	key, err := f.cursorKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The same gap found twice (e.g. after a rescan) fills nothing twice.
	for i, wantN := range []int{len(want), 0} {
		err = db.Update(func(tx *bolt.Tx) error { return putGap(tx, key, Gap{From: 1, To: last, Detected: time.Now()}) })
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.FillGaps(ctx); err != nil || n != wantN {
			t.Fatalf("FillGaps #%d: %d new, %v; want %d", i+1, n, err, wantN)
		}
	}
	if got := keysOf(t, db, me[0]); !reflect.DeepEqual(got, want) {
		t.Fatalf("FillGaps recorded\n %+v\nwant %+v", got, want)
	}
	if gaps, err := f.Gaps(ctx); err != nil || len(gaps) != 0 {
		t.Fatalf("gaps after FillGaps: %+v %v", gaps, err)
	}
}
