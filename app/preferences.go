package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/kinetic-compute/kinetic/wallet"
)

// PreferencesFile is the name of the preferences file inside the data
// directory. It is JSON, private to the user (0600), and never holds a
// secret: the algod token lives in the OS keyring (see PreferenceStore).
const PreferencesFile = "preferences.json"

// DefaultSpotCheckPercent is the share of jobs a consumer re-runs on a
// second provider to check the first, unless the user picks another.
const DefaultSpotCheckPercent = 10

// Role is what the user does on the market from this machine.
type Role string

// The roles of the first-run setup. RoleUnset means the user has not
// chosen yet (the setup then asks).
const (
	RoleUnset    Role = ""
	RoleProvider Role = "provider" // rent out my GPU
	RoleConsumer Role = "consumer" // run jobs
	RoleBoth     Role = "both"
)

// Provides reports whether the role rents out this machine's GPU.
func (r Role) Provides() bool { return r == RoleProvider || r == RoleBoth }

// Consumes reports whether the role submits jobs.
func (r Role) Consumes() bool { return r == RoleConsumer || r == RoleBoth }

// ParseRole reads a role name as the preferences file writes it.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleUnset, RoleProvider, RoleConsumer, RoleBoth:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want provider, consumer or both)", s)
}

// Notifications says which desktop notifications the user wants; each is
// on by default.
type Notifications struct {
	// JobFinished: a job this machine submitted finished or failed.
	JobFinished bool `json:"job_finished"`
	// PaymentReceived: a job this machine ran was paid.
	PaymentReceived bool `json:"payment_received"`
	// LowFunds: the active account runs low on spendable ALGO.
	LowFunds bool `json:"low_funds"`
	// Errors: a background task (agent, market, wallet) failed.
	Errors bool `json:"errors"`
}

// Preferences are the choices the user makes in the first-run setup and
// in Settings, kept per data directory. The zero value is not the default:
// start from DefaultPreferences. Preferences hold no secret, so they can be
// printed, logged and written to disk.
//
// Readers: the consumer autopilot reads AutoTopUp, AutoTopUpMax and
// SpotCheckPercent; the tray and the Jobs screen read Notify; the window
// reads Role to choose the tab to open on; Run reads Network and AlgodURL
// (command-line flags win over both).
type Preferences struct {
	// Network is the saved network preset; applied at the next start
	// unless --network is given.
	Network Network `json:"network"`
	// AlgodURL is the saved algod endpoint of Network; empty on LocalNet
	// means "from the LocalNet manager". Its token is not here: see
	// PreferenceStore.Token.
	AlgodURL string `json:"algod_url,omitempty"`
	// AlgodTokenSaved records that a token for AlgodURL is in the OS
	// keyring, so Run asks the keyring only when there is one to read.
	AlgodTokenSaved bool `json:"algod_token_saved,omitempty"`
	// Role is what the user does here; RoleUnset until chosen.
	Role Role `json:"role,omitempty"`
	// AutoTopUp lets the consumer add funds to a running job's escrow
	// when it would otherwise run out, up to AutoTopUpMax per job.
	AutoTopUp bool `json:"auto_top_up"`
	// AutoTopUpMax is the most, in microAlgos, one job's escrow may be
	// topped up by in total; it matters only with AutoTopUp.
	AutoTopUpMax uint64 `json:"auto_top_up_max_microalgos"`
	// SpotCheckPercent is the share of jobs, 0 to 100, that the consumer
	// re-runs on another provider to check the result.
	SpotCheckPercent int `json:"spot_check_percent"`
	// Notify says which notifications to show.
	Notify Notifications `json:"notifications"`
}

// DefaultPreferences are the preferences of a data directory with no
// preferences file: LocalNet, no role chosen, auto top-up off, a 10 %
// spot-check share and every notification on.
func DefaultPreferences() Preferences {
	return Preferences{
		Network:          LocalNet,
		SpotCheckPercent: DefaultSpotCheckPercent,
		Notify:           Notifications{JobFinished: true, PaymentReceived: true, LowFunds: true, Errors: true},
	}
}

// SpotCheckShare is SpotCheckPercent as a fraction between 0 and 1.
func (p Preferences) SpotCheckShare() float64 { return float64(p.SpotCheckPercent) / 100 }

// PreferenceError is a preference that cannot be used: Field names it as
// Settings labels it, Reason says why and what to do.
type PreferenceError struct {
	// Field is the setting, e.g. "algod URL".
	Field string
	// Reason says what is wrong and what would be right.
	Reason string
}

// Error implements error.
func (e *PreferenceError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks every field and returns the first problem as a
// *PreferenceError.
func (p Preferences) Validate() error {
	if _, err := ParseNetwork(string(p.Network)); err != nil {
		return &PreferenceError{"Network", err.Error()}
	}
	if err := ValidateAlgodURL(p.Network, p.AlgodURL); err != nil {
		return err
	}
	if _, err := ParseRole(string(p.Role)); err != nil {
		return &PreferenceError{"Role", err.Error()}
	}
	if p.SpotCheckPercent < 0 || p.SpotCheckPercent > 100 {
		return &PreferenceError{"Spot-check share", fmt.Sprintf("%d %% is not a share: pick 0 to 100 %%", p.SpotCheckPercent)}
	}
	if p.AutoTopUp && p.AutoTopUpMax == 0 {
		return &PreferenceError{"Top-up limit", "auto top-up is on but may add nothing: set the most it may add per job, or turn it off"}
	}
	return nil
}

// ValidateAlgodURL checks an algod endpoint for network: every preset but
// LocalNet needs one (none is built in), and it must be an absolute http
// or https URL with a host. The error is a *PreferenceError.
func ValidateAlgodURL(network Network, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if network == LocalNet {
			return nil
		}
		return &PreferenceError{"algod URL", network.String() + " has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &PreferenceError{"algod URL", "not a URL (" + err.Error() + ")"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &PreferenceError{"algod URL", "must start with http:// or https://, e.g. http://127.0.0.1:4001"}
	}
	if u.Host == "" || u.Hostname() == "" {
		return &PreferenceError{"algod URL", "has no host, e.g. http://127.0.0.1:4001"}
	}
	if u.User != nil {
		return &PreferenceError{"algod URL", "must not carry a user name or password; put the token in the token field"}
	}
	return nil
}

// tokenKeyring is the part of the OS keyring the token store uses; tests
// pass an in-memory one.
type tokenKeyring interface {
	Set(service, user, secret string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// osTokenKeyring is the OS keyring through go-keyring.
type osTokenKeyring struct{}

func (osTokenKeyring) Set(s, u, v string) error        { return keyring.Set(s, u, v) }
func (osTokenKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osTokenKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// tokenTimeout bounds one keyring call for the algod token: a Secret
// Service waiting on a prompt nobody answers must not hang the caller.
const tokenTimeout = 10 * time.Second

// ErrTokenNotSaved reports a token that could not be saved because no OS
// keyring answered; the token is then never written anywhere.
var ErrTokenNotSaved = errors.New("the algod token was not saved: no OS keyring answered, and Kinetic never writes a token to disk in plaintext; set " + EnvAlgodToken + " at each start instead (not --algod-token: other users can read a command line)")

// PreferenceStore reads and writes the Preferences of one data directory
// (PreferencesFile) and the saved algod token (in the OS keyring, under
// service "kinetic" and a user name naming the data directory). It is
// safe for concurrent use by readers; writers should be one screen at a
// time (the last Save wins).
type PreferenceStore struct {
	dir     string
	keyring tokenKeyring
	timeout time.Duration
}

// NewPreferenceStore returns the store of dataDir. Nothing is read until
// Load.
func NewPreferenceStore(dataDir string) *PreferenceStore {
	return &PreferenceStore{dir: dataDir, keyring: osTokenKeyring{}, timeout: tokenTimeout}
}

// Path is the preferences file's path.
func (s *PreferenceStore) Path() string { return filepath.Join(s.dir, PreferencesFile) }

// Load reads the saved preferences. A data directory without a
// preferences file has DefaultPreferences; fields missing from an older
// file keep their defaults. A file that does not parse or validate is an
// error naming the file (the file is left as it is).
func (s *PreferenceStore) Load() (Preferences, error) {
	p := DefaultPreferences()
	raw, err := os.ReadFile(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return DefaultPreferences(), fmt.Errorf("preferences: %w", err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return DefaultPreferences(), fmt.Errorf("preferences file %s is not valid JSON (%v): fix it or move it away to start from the defaults", s.Path(), err)
	}
	if err := p.Validate(); err != nil {
		return DefaultPreferences(), fmt.Errorf("preferences file %s: %w: fix it, or move the file away to start from the defaults", s.Path(), err)
	}
	return p, nil
}

// Save validates p and writes it atomically (a private temporary file
// renamed over the old one), readable only by the user.
func (s *PreferenceStore) Save(p Preferences) error {
	p.AlgodURL = strings.TrimSpace(p.AlgodURL)
	if err := p.Validate(); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	if err := EnsureDataDir(s.dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, PreferencesFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("preferences: %w", err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("preferences: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("preferences: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path()); err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	return nil
}

// Update loads the preferences, applies change and saves the result.
func (s *PreferenceStore) Update(change func(*Preferences)) (Preferences, error) {
	p, err := s.Load()
	if err != nil {
		return p, err
	}
	change(&p)
	return p, s.Save(p)
}

// tokenUser is the keyring user name of this data directory's token.
func (s *PreferenceStore) tokenUser() string {
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		dir = s.dir
	}
	return "algod-token:" + dir
}

// keyringCall runs fn with the store's timeout.
func (s *PreferenceStore) keyringCall(ctx context.Context, fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-t.C:
		return "", fmt.Errorf("the OS keyring did not answer within %s", s.timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Token reads the saved algod token; "" when none is saved.
func (s *PreferenceStore) Token(ctx context.Context) (Secret, error) {
	v, err := s.keyringCall(ctx, func() (string, error) { return s.keyring.Get(wallet.ServiceName, s.tokenUser()) })
	if errors.Is(err, keyring.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the saved algod token from the OS keyring: %w", err)
	}
	return Secret(v), nil
}

// SetToken saves the algod token in the OS keyring, or removes the saved
// one when token is empty. Without a keyring it fails with an error
// matching ErrTokenNotSaved; the token is never written to a file.
func (s *PreferenceStore) SetToken(ctx context.Context, token Secret) error {
	var err error
	if token == "" {
		_, err = s.keyringCall(ctx, func() (string, error) { return "", s.keyring.Delete(wallet.ServiceName, s.tokenUser()) })
		if errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
	} else {
		_, err = s.keyringCall(ctx, func() (string, error) { return "", s.keyring.Set(wallet.ServiceName, s.tokenUser(), string(token)) })
	}
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrTokenNotSaved, err)
	}
	return nil
}

// NotifyKind is one kind of desktop notification the user can turn off.
type NotifyKind int

// The notification kinds of Settings.
const (
	NotifyJobFinished     NotifyKind = iota // a submitted job finished or failed
	NotifyPaymentReceived                   // a job run here was paid
	NotifyLowFunds                          // the account runs low on spendable ALGO
	NotifyErrors                            // a background task failed
)

// Allows reports whether notifications of kind are on.
func (n Notifications) Allows(kind NotifyKind) bool {
	switch kind {
	case NotifyJobFinished:
		return n.JobFinished
	case NotifyPaymentReceived:
		return n.PaymentReceived
	case NotifyLowFunds:
		return n.LowFunds
	case NotifyErrors:
		return n.Errors
	}
	return true
}

// Wants reports whether the user wants notifications of kind now: it
// reads the saved preferences afresh, so a change in Settings applies at
// once. Preferences that cannot be read count as the defaults (all on),
// so a broken file never silences an error.
func (s *PreferenceStore) Wants(kind NotifyKind) bool {
	p, _ := s.Load() // Load returns the defaults with its error
	return p.Notify.Allows(kind)
}
