package wallet

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"
)

// Options configure Open.
type Options struct {
	// DB is the application's bbolt database; the wallet owns the buckets
	// prefixed "wallet/".
	DB *bolt.DB
	// KeystorePath is where the fallback encrypted keystore lives.
	KeystorePath string
	// Passphrase is asked for only when the fallback keystore is used. The
	// wallet copies the returned bytes and zeroes them.
	Passphrase func(ctx context.Context) ([]byte, error)
	// KDF sets the fallback file's argon2id cost; zero means DefaultKDFParams().
	KDF KDFParams
	// ForceFile uses the fallback file even when an OS keyring answers.
	ForceFile bool
	// Probe checks the OS keyring; nil means ProbeKeyring.
	Probe func() error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Wallet manages accounts and their secrets. It is safe for concurrent use.
type Wallet struct {
	db      *bolt.DB
	store   Keystore
	backend BackendInfo
	now     func() time.Time
}

// Open chooses the keystore backend and returns the wallet. The OS keyring
// is used when ProbeKeyring succeeds; otherwise (or with ForceFile) the
// passphrase-encrypted file at KeystorePath is opened, and Backend says why.
// Without a keyring and without a Passphrase callback Open fails with an
// error matching ErrNoKeyring.
func Open(ctx context.Context, opts Options) (*Wallet, error) {
	if opts.DB == nil {
		return nil, errors.New("wallet: Options.DB is nil")
	}
	w := &Wallet{db: opts.DB, now: opts.Now}
	if w.now == nil {
		w.now = time.Now
	}
	probe := opts.Probe
	if probe == nil {
		probe = ProbeKeyring
	}
	reason := "file keystore requested"
	if !opts.ForceFile {
		err := probe()
		if err == nil {
			w.store = KeyringStore{}
			w.backend = BackendInfo{Kind: BackendKeyring, Reason: "OS keyring answered a set/get/delete probe"}
			return w, nil
		}
		reason = "no usable OS keyring: " + err.Error()
		if opts.Passphrase == nil {
			return nil, fmt.Errorf("wallet: %s, and no passphrase source for the fallback keystore: %w", reason, err)
		}
	}
	fs, err := openFallback(ctx, opts)
	if err != nil {
		return nil, err
	}
	w.store = fs
	w.backend = BackendInfo{Kind: BackendFile, Reason: reason + "; using encrypted file " + fs.Path()}
	return w, nil
}

func openFallback(ctx context.Context, opts Options) (*FileStore, error) {
	if opts.KeystorePath == "" || opts.Passphrase == nil {
		return nil, errors.New("wallet: fallback keystore needs KeystorePath and Passphrase")
	}
	pass, err := opts.Passphrase(ctx)
	if err != nil {
		return nil, fmt.Errorf("wallet: keystore passphrase: %w", err)
	}
	defer zero(pass)
	return OpenFileStore(opts.KeystorePath, pass, opts.KDF)
}

// Backend reports which keystore holds secrets and why it was chosen.
func (w *Wallet) Backend() BackendInfo { return w.backend }

// Close releases the keystore (zeroing any cached secret).
func (w *Wallet) Close() error {
	if fs, ok := w.store.(*FileStore); ok {
		return fs.Close()
	}
	return nil
}

// Signer returns the signer for a live account, with the safe default
// SignerOptions (no close, no rekey).
func (w *Wallet) Signer(ctx context.Context, addr string) (*Signer, error) {
	return w.SignerWith(ctx, addr, SignerOptions{})
}

// SignerWith returns the signer for a live account with opts; only explicit,
// user-confirmed close or rekey flows pass anything but the zero value.
func (w *Wallet) SignerWith(ctx context.Context, addr string, opts SignerOptions) (*Signer, error) {
	acct, err := w.Account(ctx, addr)
	if err != nil {
		return nil, err
	}
	if acct.IsDeleted() {
		return nil, fmt.Errorf("%w: %s was deleted", ErrNoAccount, addr)
	}
	if acct.Backend != w.store.Kind() {
		return nil, fmt.Errorf("wallet: %s's secret is in the %s, but the %s is open", addr, acct.Backend, w.store.Kind())
	}
	a, err := types.DecodeAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	return &Signer{store: w.store, addr: a, pub: ed25519.PublicKey(append([]byte(nil), a[:]...)), opts: opts}, nil
}

func getAccount(b *bolt.Bucket, addr string) (Account, error) {
	var a Account
	if b == nil {
		return a, fmt.Errorf("%w: %s", ErrNoAccount, addr)
	}
	v := b.Get([]byte(addr))
	if v == nil {
		return a, fmt.Errorf("%w: %s", ErrNoAccount, addr)
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return a, fmt.Errorf("wallet: decode account %s: %w", addr, err)
	}
	return a, nil
}

func putAccount(b *bolt.Bucket, a Account) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.Put([]byte(a.Address), v)
}

func liveAccounts(b *bolt.Bucket) ([]Account, error) {
	var out []Account
	err := b.ForEach(func(_, v []byte) error {
		var a Account
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if !a.IsDeleted() {
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}
