package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/wallet"
)

// memKeyring is an in-memory OS keyring; fail makes every call fail, as a
// missing Secret Service does.
type memKeyring struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func newMemKeyring() *memKeyring { return &memKeyring{m: map[string]string{}} }

func (k *memKeyring) Set(s, u, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	k.m[s+"/"+u] = v
	return nil
}

func (k *memKeyring) Get(s, u string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return "", k.fail
	}
	v, ok := k.m[s+"/"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Delete(s, u string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	if _, ok := k.m[s+"/"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.m, s+"/"+u)
	return nil
}

func testPreferenceStore(t *testing.T, kr tokenKeyring) *PreferenceStore {
	t.Helper()
	s := NewPreferenceStore(t.TempDir())
	s.keyring = kr
	return s
}

func TestPreferencesDefaultsWithoutFile(t *testing.T) {
	s := testPreferenceStore(t, newMemKeyring())
	p, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Preferences{Network: LocalNet, SpotCheckPercent: 10,
		Notify: Notifications{JobFinished: true, PaymentReceived: true, LowFunds: true, Errors: true}}
	if p != want {
		t.Fatalf("defaults = %+v, want %+v", p, want)
	}
	if p.SpotCheckShare() != 0.1 {
		t.Errorf("share = %v, want 0.1", p.SpotCheckShare())
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created the file: %v", err)
	}
}

func TestPreferencesRoundTripPrivateFile(t *testing.T) {
	s := testPreferenceStore(t, newMemKeyring())
	p := Preferences{Network: TestNet, AlgodURL: " https://node.example:443 ", AlgodTokenSaved: true, Role: RoleBoth,
		AutoTopUp: true, AutoTopUpMax: 2_000_000, SpotCheckPercent: 25,
		Notify: Notifications{JobFinished: true, LowFunds: true}}
	if err := s.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	p.AlgodURL = "https://node.example:443"
	if got != p {
		t.Fatalf("loaded %+v, want %+v", got, p)
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), "*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPreferencesOlderFileKeepsDefaults(t *testing.T) {
	s := testPreferenceStore(t, newMemKeyring())
	if err := os.WriteFile(s.Path(), []byte(`{"network":"mainnet","algod_url":"https://m.example","role":"provider"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if p.Network != MainNet || p.Role != RoleProvider || p.SpotCheckPercent != 10 || !p.Notify.Errors {
		t.Errorf("loaded %+v: want mainnet, provider and the defaults of the missing fields", p)
	}
}

func TestPreferencesBadFileIsReportedAndKept(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not json", `{"network":`, "is not valid JSON"},
		{"share 150", `{"network":"localnet","spot_check_percent":150}`, "Spot-check share: 150 % is not a share: pick 0 to 100 %"},
		{"testnet without url", `{"network":"testnet"}`, "algod URL: TestNet has no built-in node"},
		{"unknown role", `{"network":"localnet","role":"miner"}`, `Role: unknown role "miner"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testPreferenceStore(t, newMemKeyring())
			if err := os.WriteFile(s.Path(), []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := s.Load()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), s.Path()) {
				t.Fatalf("err = %v, want one naming the file and containing %q", err, tt.want)
			}
			if p != DefaultPreferences() {
				t.Errorf("prefs = %+v, want the defaults", p)
			}
			if b, _ := os.ReadFile(s.Path()); string(b) != tt.body {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

func TestPreferencesValidate(t *testing.T) {
	ok := DefaultPreferences()
	tests := []struct {
		name   string
		change func(*Preferences)
		want   string // "" means valid
	}{
		{"defaults", func(*Preferences) {}, ""},
		{"localnet with a url", func(p *Preferences) { p.AlgodURL = "http://127.0.0.1:4001" }, ""},
		{"custom https", func(p *Preferences) { p.Network, p.AlgodURL = Custom, "https://10.0.0.2:8080/" }, ""},
		{"mainnet without url", func(p *Preferences) { p.Network = MainNet }, "algod URL: MainNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{"ftp url", func(p *Preferences) { p.Network, p.AlgodURL = Custom, "ftp://node" }, "algod URL: must start with http:// or https://, e.g. http://127.0.0.1:4001"},
		{"no scheme", func(p *Preferences) { p.Network, p.AlgodURL = TestNet, "node.example:443" }, "algod URL: must start with http:// or https://, e.g. http://127.0.0.1:4001"},
		{"no host", func(p *Preferences) { p.Network, p.AlgodURL = TestNet, "http://" }, "algod URL: has no host, e.g. http://127.0.0.1:4001"},
		{"user info", func(p *Preferences) { p.Network, p.AlgodURL = TestNet, "http://u:pw@node" }, "algod URL: must not carry a user name or password; put the token in the token field"},
		{"unknown network", func(p *Preferences) { p.Network = "betanet" }, `Network: unknown network "betanet" (want localnet, testnet, mainnet or custom)`},
		{"share 150", func(p *Preferences) { p.SpotCheckPercent = 150 }, "Spot-check share: 150 % is not a share: pick 0 to 100 %"},
		{"share -1", func(p *Preferences) { p.SpotCheckPercent = -1 }, "Spot-check share: -1 % is not a share: pick 0 to 100 %"},
		{"top-up on without limit", func(p *Preferences) { p.AutoTopUp = true }, "Top-up limit: auto top-up is on but may add nothing: set the most it may add per job, or turn it off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.change(&p)
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v, want valid", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var pe *PreferenceError
			if tt.want != "" && !errors.As(err, &pe) {
				t.Errorf("%T is not a *PreferenceError", err)
			}
		})
	}
}

func TestPreferencesSaveRefusesInvalid(t *testing.T) {
	s := testPreferenceStore(t, newMemKeyring())
	p := DefaultPreferences()
	p.SpotCheckPercent = 150
	if err := s.Save(p); err == nil || !strings.Contains(err.Error(), "Spot-check share") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an invalid save wrote the file: %v", err)
	}
}

func TestPreferencesTokenInKeyringNeverOnDisk(t *testing.T) {
	kr := newMemKeyring()
	s := testPreferenceStore(t, kr)
	ctx := context.Background()
	if tok, err := s.Token(ctx); err != nil || tok != "" {
		t.Fatalf("before saving: %q, %v", tok, err)
	}
	if err := s.SetToken(ctx, "tok-0123456789"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(p *Preferences) { p.Network, p.AlgodURL, p.AlgodTokenSaved = Custom, "http://n:8080", true }); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(ctx)
	if err != nil || string(tok) != "tok-0123456789" {
		t.Fatalf("token = %q, %v", string(tok), err)
	}
	abs, _ := filepath.Abs(filepath.Dir(s.Path()))
	if v := kr.m[wallet.ServiceName+"/algod-token:"+abs]; v != "tok-0123456789" {
		t.Errorf("keyring entry = %q (entries %d)", v, len(kr.m))
	}
	raw, _ := os.ReadFile(s.Path())
	if bytes.Contains(raw, []byte("tok-0123456789")) {
		t.Fatalf("the token is in the preferences file: %s", raw)
	}
	if err := s.SetToken(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if len(kr.m) != 0 {
		t.Errorf("token not removed: %v entries", len(kr.m))
	}
	if err := s.SetToken(ctx, ""); err != nil {
		t.Errorf("removing a missing token: %v", err)
	}
}

func TestPreferencesTokenWithoutKeyring(t *testing.T) {
	kr := newMemKeyring()
	kr.fail = errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	s := testPreferenceStore(t, kr)
	err := s.SetToken(context.Background(), "tok")
	if !errors.Is(err, ErrTokenNotSaved) || !strings.Contains(err.Error(), "set KINETIC_ALGOD_TOKEN at each start instead (not --algod-token") {
		t.Fatalf("err = %v, want ErrTokenNotSaved saying what to do", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(s.Path()))
	if len(entries) != 0 {
		t.Errorf("files written without a keyring: %v", entries)
	}
}

// hangingKeyring never answers, as a Secret Service waiting on a prompt.
type hangingKeyring struct{ release chan struct{} }

func (h hangingKeyring) Set(string, string, string) error   { <-h.release; return nil }
func (h hangingKeyring) Get(string, string) (string, error) { <-h.release; return "", nil }
func (h hangingKeyring) Delete(string, string) error        { <-h.release; return nil }

func TestPreferencesTokenKeyringTimeout(t *testing.T) {
	h := hangingKeyring{make(chan struct{})}
	defer close(h.release)
	s := testPreferenceStore(t, h)
	s.timeout = 50 * time.Millisecond
	start := time.Now()
	_, err := s.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestPreferencesTokenOnRealKeyring saves and reads a token through the
// OS keyring (Secret Service under scripts/with-keyring.sh).
func TestPreferencesTokenOnRealKeyring(t *testing.T) {
	testkit.Keyring(t)
	s := NewPreferenceStore(t.TempDir())
	ctx := context.Background()
	if err := s.SetToken(ctx, "real-keyring-token"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.SetToken(ctx, "") })
	tok, err := s.Token(ctx)
	if err != nil || string(tok) != "real-keyring-token" {
		t.Fatalf("token = %q, %v", string(tok), err)
	}
	if err := s.SetToken(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(ctx); err != nil || tok != "" {
		t.Fatalf("after removal: %q, %v", string(tok), err)
	}
}

func TestRunAppliesSavedPreferencesFlagsWin(t *testing.T) {
	t.Setenv(EnvAlgodURL, "")
	t.Setenv(EnvAlgodToken, "")
	dir := t.TempDir()
	kr := newMemKeyring()
	store := NewPreferenceStore(dir)
	store.keyring = kr
	saved := DefaultPreferences()
	saved.Network, saved.AlgodURL, saved.AlgodTokenSaved, saved.Role, saved.SpotCheckPercent = TestNet, "https://tn.example", true, RoleConsumer, 30
	if err := store.Save(saved); err != nil {
		t.Fatal(err)
	}
	if err := store.SetToken(context.Background(), "saved-token-xyz"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Config
	}{{
		name: "saved network, url and token",
		args: []string{"--data-dir", dir},
		want: Config{DataDir: dir, Network: TestNet, AlgodURL: "https://tn.example", AlgodToken: "saved-token-xyz"},
	}, {
		name: "--network wins and the saved url is not used for another network",
		args: []string{"--data-dir", dir, "--network", "localnet"},
		want: Config{DataDir: dir, Network: LocalNet},
	}, {
		name: "--algod-url wins; the saved token is not sent to it",
		args: []string{"--data-dir", dir, "--algod-url", "http://other:8080"},
		want: Config{DataDir: dir, Network: TestNet, AlgodURL: "http://other:8080"},
	}, {
		name: "--algod-token wins",
		args: []string{"--data-dir", dir, "--algod-token", "flag-token"},
		want: Config{DataDir: dir, Network: TestNet, AlgodURL: "https://tn.example", AlgodToken: "flag-token"},
	}, {
		name: "the environment counts as the command line",
		args: []string{"--data-dir", dir},
		env:  map[string]string{EnvAlgodURL: "http://env:4001"},
		want: Config{DataDir: dir, Network: TestNet, AlgodURL: "http://env:4001"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r, _, _ := testRunner(t)
			r.prefsKeyring = kr
			var got Config
			r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error { got = cfg; return nil }
			if err := r.run(context.Background(), tt.args); err != nil {
				t.Fatal(err)
			}
			if got.Prefs != saved {
				t.Errorf("prefs = %+v, want the saved %+v", got.Prefs, saved)
			}
			got.LocalNetDir, got.Prefs = "", Preferences{}
			if got != tt.want {
				t.Fatalf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
	logged, _ := os.ReadFile(filepath.Join(dir, LogFile))
	if bytes.Contains(logged, []byte("saved-token-xyz")) {
		t.Error("the saved token was logged")
	}
}

func TestRunWithBrokenPreferencesUsesDefaults(t *testing.T) {
	t.Setenv(EnvAlgodURL, "")
	dir := t.TempDir()
	path := filepath.Join(dir, PreferencesFile)
	if err := os.WriteFile(path, []byte(`{"network":"testnet"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _, stderr := testRunner(t)
	var got Config
	r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error { got = cfg; return nil }
	if err := r.run(context.Background(), []string{"--data-dir", dir}); err != nil {
		t.Fatal(err)
	}
	if got.Network != LocalNet || got.Prefs != DefaultPreferences() {
		t.Errorf("network %s, prefs %+v: want the defaults", got.Network, got.Prefs)
	}
	if !strings.Contains(stderr.String(), "saved preferences not used") || !strings.Contains(stderr.String(), "TestNet has no built-in node") {
		t.Errorf("stderr lacks the warning: %s", stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"network":"testnet"}` {
		t.Errorf("file changed: %s", b)
	}
}

func TestPreferencesWantsFollowsTheFile(t *testing.T) {
	s := testPreferenceStore(t, newMemKeyring())
	for _, k := range []NotifyKind{NotifyJobFinished, NotifyPaymentReceived, NotifyLowFunds, NotifyErrors} {
		if !s.Wants(k) {
			t.Errorf("kind %d off without a preferences file", k)
		}
	}
	if _, err := s.Update(func(p *Preferences) { p.Notify = Notifications{LowFunds: true} }); err != nil {
		t.Fatal(err)
	}
	got := []bool{s.Wants(NotifyJobFinished), s.Wants(NotifyPaymentReceived), s.Wants(NotifyLowFunds), s.Wants(NotifyErrors)}
	if got[0] || got[1] || !got[2] || got[3] {
		t.Errorf("wants = %v, want only low funds", got)
	}
	if err := os.WriteFile(s.Path(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !s.Wants(NotifyErrors) {
		t.Error("a broken preferences file silenced errors")
	}
}
