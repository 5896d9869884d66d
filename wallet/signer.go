package wallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// Signer signs for one account. It implements the SDK's
// transaction.TransactionSigner and signs domain-separated messages
// (internal/sigframe). The secret is loaded from the keystore for each
// signature and zeroed right after; it is never returned.
//
// It refuses (*RefusedTxnError) to sign any transaction whose Sender is not
// its account, and any that sets RekeyTo, CloseRemainderTo or AssetCloseTo,
// unless its SignerOptions allow that explicitly.
type Signer struct {
	store Keystore
	addr  types.Address
	pub   ed25519.PublicKey
	opts  SignerOptions
}

// SignerOptions widen what a Signer agrees to sign. The zero value is the
// safe default every ordinary flow uses.
type SignerOptions struct {
	// AllowClose permits CloseRemainderTo and AssetCloseTo; only an
	// explicit "close account" flow, confirmed by the user, sets it.
	AllowClose bool
	// AllowRekey permits RekeyTo; only an explicit, confirmed rekey flow
	// sets it.
	AllowRekey bool
}

// ErrRefusedTxn matches *RefusedTxnError under errors.Is.
var ErrRefusedTxn = errors.New("wallet: transaction refused by signer")

// RefusedTxnError says why a Signer refused a group; nothing was signed.
type RefusedTxnError struct {
	Index  int    // position in the group
	Reason string // "sender is not the signer's account", "sets RekeyTo", ...
}

// Error implements error.
func (e *RefusedTxnError) Error() string {
	return fmt.Sprintf("wallet: refused to sign transaction %d: %s", e.Index, e.Reason)
}

// Is makes errors.Is(err, ErrRefusedTxn) true.
func (e *RefusedTxnError) Is(target error) bool { return target == ErrRefusedTxn }

// IsRefusedTxn reports whether err is a *RefusedTxnError and returns it.
func IsRefusedTxn(err error) (*RefusedTxnError, bool) {
	var e *RefusedTxnError
	ok := errors.As(err, &e)
	return e, ok
}

// check returns a *RefusedTxnError when tx may not be signed.
func (s *Signer) check(pos int, tx types.Transaction) error {
	refuse := func(reason string) error { return &RefusedTxnError{Index: pos, Reason: reason} }
	switch {
	case tx.Sender != s.addr:
		return refuse(fmt.Sprintf("sender %s is not the signer's account %s", tx.Sender, s.addr))
	case !tx.RekeyTo.IsZero() && !s.opts.AllowRekey:
		return refuse("sets RekeyTo " + tx.RekeyTo.String())
	case !tx.CloseRemainderTo.IsZero() && !s.opts.AllowClose:
		return refuse("sets CloseRemainderTo " + tx.CloseRemainderTo.String())
	case !tx.AssetCloseTo.IsZero() && !s.opts.AllowClose:
		return refuse("sets AssetCloseTo " + tx.AssetCloseTo.String())
	}
	return nil
}

var _ transaction.TransactionSigner = (*Signer)(nil)

// Address returns the account's address.
func (s *Signer) Address() types.Address { return s.addr }

// PublicKey returns the account's ed25519 public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return append(ed25519.PublicKey(nil), s.pub...) }

// withKey runs fn with the account's private key, zeroing it afterwards.
func (s *Signer) withKey(ctx context.Context, fn func(ed25519.PrivateKey) error) error {
	seed, err := s.store.Get(ctx, s.addr.String())
	if err != nil {
		return fmt.Errorf("wallet: load key for %s: %w", s.addr, err)
	}
	defer zero(seed)
	if len(seed) != ed25519.SeedSize {
		return fmt.Errorf("wallet: key for %s is malformed", s.addr)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	defer zero(priv)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), s.pub) {
		return fmt.Errorf("wallet: keystore secret does not match address %s", s.addr)
	}
	return fn(priv)
}

// SignTransactions implements transaction.TransactionSigner: it returns the
// msgpack-encoded signed transactions for txGroup[i], i in indexesToSign.
// Every requested transaction is checked first; if one is refused
// (*RefusedTxnError), nothing is signed and the key is not even loaded.
// The SDK interface carries no context: the key is loaded under the
// keystore's default deadline (the OS keyring's is 30 s, then a
// *KeyringTimeoutError). SignTransactionsContext takes the caller's.
func (s *Signer) SignTransactions(txGroup []types.Transaction, indexesToSign []int) ([][]byte, error) {
	return s.SignTransactionsContext(context.Background(), txGroup, indexesToSign)
}

// SignTransactionsContext is SignTransactions with the key loaded under
// ctx: a keyring that does not answer before ctx ends fails the signing
// with a *KeyringTimeoutError (errors.Is ErrKeyringTimeout).
func (s *Signer) SignTransactionsContext(ctx context.Context, txGroup []types.Transaction, indexesToSign []int) ([][]byte, error) {
	for _, pos := range indexesToSign {
		if pos < 0 || pos >= len(txGroup) {
			return nil, fmt.Errorf("wallet: sign index %d out of range (group of %d)", pos, len(txGroup))
		}
		if err := s.check(pos, txGroup[pos]); err != nil {
			return nil, err
		}
	}
	out := make([][]byte, len(indexesToSign))
	err := s.withKey(ctx, func(priv ed25519.PrivateKey) error {
		for i, pos := range indexesToSign {
			_, stx, err := crypto.SignTransaction(priv, txGroup[pos])
			if err != nil {
				return fmt.Errorf("wallet: sign transaction %d: %w", pos, err)
			}
			out[i] = stx
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Equals implements transaction.TransactionSigner: two Signers are equal
// when they sign for the same address.
func (s *Signer) Equals(other transaction.TransactionSigner) bool {
	o, ok := other.(*Signer)
	return ok && o != nil && o.addr == s.addr
}

// SignMessage signs msg in domain with sigframe framing, so the signature
// can never be replayed as a transaction or in another domain. The key is
// loaded under the keystore's default deadline; see SignMessageContext.
func (s *Signer) SignMessage(domain string, msg []byte) ([]byte, error) {
	return s.SignMessageContext(context.Background(), domain, msg)
}

// SignMessageContext is SignMessage with the key loaded under ctx.
func (s *Signer) SignMessageContext(ctx context.Context, domain string, msg []byte) ([]byte, error) {
	var sig []byte
	err := s.withKey(ctx, func(priv ed25519.PrivateKey) error {
		sig = sigframe.Sign(priv, domain, msg)
		return nil
	})
	return sig, err
}
