package localnet

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

var (
	accountLine = regexp.MustCompile(`(?m)^\[[a-z]+\]\s+([A-Z2-7]{58})\s+\S+\s+(\d+) microAlgos`)
	exported    = regexp.MustCompile(`"([a-z ]+)"`)
)

// Dispenser returns the genesis account that holds LocalNet's funds. Its key
// is read from the node's kmd wallet through goal and is kept in memory only.
// It is a development key of a throwaway network, worth nothing elsewhere.
func (m *Manager) Dispenser(ctx context.Context) (crypto.Account, error) {
	m.mu.Lock()
	if m.dispenser != nil {
		defer m.mu.Unlock()
		return *m.dispenser, nil
	}
	m.mu.Unlock()
	if _, alive := m.pid(); !alive {
		return crypto.Account{}, fmt.Errorf("localnet: dispenser: %w", ErrNotRunning)
	}
	bin, err := m.Binaries(ctx)
	if err != nil {
		return crypto.Account{}, err
	}
	out, err := m.goal(ctx, bin, "account", "list", "-d", m.nodeDir())
	if err != nil {
		return crypto.Account{}, fmt.Errorf("localnet: goal account list: %w: %s", err, out)
	}
	addr, best := "", uint64(0)
	for _, mt := range accountLine.FindAllStringSubmatch(out, -1) {
		if v, _ := strconv.ParseUint(mt[2], 10, 64); v >= best {
			addr, best = mt[1], v
		}
	}
	if addr == "" {
		return crypto.Account{}, fmt.Errorf("localnet: no genesis account in goal's wallet list")
	}
	out, err = m.goal(ctx, bin, "account", "export", "-a", addr, "-d", m.nodeDir())
	if err != nil {
		return crypto.Account{}, fmt.Errorf("localnet: goal account export failed for %s", addr)
	}
	mt := exported.FindStringSubmatch(out)
	if mt == nil {
		return crypto.Account{}, fmt.Errorf("localnet: goal account export gave no mnemonic for %s", addr)
	}
	sk, err := mnemonic.ToPrivateKey(mt[1])
	if err != nil {
		return crypto.Account{}, fmt.Errorf("localnet: dispenser mnemonic: %w", err)
	}
	acct, err := crypto.AccountFromPrivateKey(sk)
	if err != nil {
		return crypto.Account{}, fmt.Errorf("localnet: dispenser key: %w", err)
	}
	m.mu.Lock()
	m.dispenser = &acct
	m.mu.Unlock()
	return acct, nil
}

// Fund pays amount microAlgos from the account from to address to and waits
// for confirmation. It returns the transaction id.
func Fund(ctx context.Context, c *algod.Client, from crypto.Account, to string, amount uint64) (string, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return "", fmt.Errorf("localnet: fund: suggested params: %w", err)
	}
	txn, err := transaction.MakePaymentTxn(from.Address.String(), to, amount, []byte("kinetic dispenser"), "", sp)
	if err != nil {
		return "", fmt.Errorf("localnet: fund: %w", err)
	}
	txid, signed, err := crypto.SignTransaction(from.PrivateKey, txn)
	if err != nil {
		return "", fmt.Errorf("localnet: fund: sign: %w", err)
	}
	if _, err := c.SendRawTransaction(signed).Do(ctx); err != nil {
		return "", fmt.Errorf("localnet: fund %s: %w", to, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := transaction.WaitForConfirmation(c, txid, 10, wctx); err != nil {
		return "", fmt.Errorf("localnet: fund %s: confirmation: %w", to, err)
	}
	return txid, nil
}

// FundAddress funds to from this LocalNet's dispenser.
func (m *Manager) FundAddress(ctx context.Context, to types.Address, amount uint64) (string, error) {
	d, err := m.Dispenser(ctx)
	if err != nil {
		return "", err
	}
	c, err := m.Client()
	if err != nil {
		return "", err
	}
	return Fund(ctx, c, d, to.String(), amount)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
