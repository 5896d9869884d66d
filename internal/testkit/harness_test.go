package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/docker/docker/api/types/container"
	"github.com/zalando/go-keyring"
)

// TestPaymentBetweenFreshAccounts sends a payment on the real LocalNet and
// checks both balances to the microAlgo, fee included. The DevMode node
// pays participation rewards as rounds pass, so the balance compared is the
// amount less the rewards the account ever received, which moves only with
// transactions.
func TestPaymentBetweenFreshAccounts(t *testing.T) {
	c := Algod(t)
	ctx := Context(t, time.Minute)
	alice := FundedAccount(t, 5_000_000)
	bob := FundedAccount(t, 1_000_000)

	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	txn, err := transaction.MakePaymentTxn(alice.Address.String(), bob.Address.String(), 1_234_567, nil, "", sp)
	if err != nil {
		t.Fatal(err)
	}
	txid, stx, err := crypto.SignTransaction(alice.PrivateKey, txn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendRawTransaction(stx).Do(ctx); err != nil {
		t.Fatal(err)
	}
	conf, err := transaction.WaitForConfirmation(c, txid, 5, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if conf.ConfirmedRound == 0 {
		t.Fatal("not confirmed")
	}
	for _, tc := range []struct {
		name string
		addr string
		want uint64
	}{
		{"alice", alice.Address.String(), 5_000_000 - 1_234_567 - uint64(txn.Fee)},
		{"bob", bob.Address.String(), 1_000_000 + 1_234_567},
	} {
		info, err := c.AccountInformation(tc.addr).Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Amount - info.Rewards; got != tc.want {
			t.Errorf("%s balance = %d µALGO (%d with %d of rewards), want %d", tc.name, got, info.Amount, info.Rewards, tc.want)
		}
	}
}

// TestContainerRunsTestImage runs the busybox image with no network and
// reads its output back.
func TestContainerRunsTestImage(t *testing.T) {
	run := RunContainer(t, &container.Config{
		Image: TestImage(t),
		Cmd:   []string{"sh", "-c", "echo hi | sha256sum"},
	}, &container.HostConfig{NetworkMode: "none"})
	if run.ExitCode != 0 {
		t.Fatalf("exit code %d (stderr %q)", run.ExitCode, run.Stderr)
	}
	sum := sha256.Sum256([]byte("hi\n"))
	want := hex.EncodeToString(sum[:])
	if got := strings.Fields(run.Stdout); len(got) == 0 || got[0] != want {
		t.Fatalf("container printed %q (stderr %q), want hash %s", run.Stdout, run.Stderr, want)
	}
}

// TestKeyringRoundTrip stores and reads a secret through the real Secret
// Service.
func TestKeyringRoundTrip(t *testing.T) {
	Keyring(t)
	const svc, user = "kinetic-test", "roundtrip"
	secret := "s3cret-" + time.Now().Format(time.RFC3339Nano)
	if err := keyring.Set(svc, user, secret); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Delete(svc, user) })
	got, err := keyring.Get(svc, user)
	if err != nil {
		t.Fatal(err)
	}
	if got != secret {
		t.Fatalf("keyring returned %q, want %q", got, secret)
	}
	if err := keyring.Delete(svc, user); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(svc, user); err != keyring.ErrNotFound {
		t.Fatalf("after delete: err = %v, want ErrNotFound", err)
	}
}
