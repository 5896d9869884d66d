package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeOnboarding creates accounts with a fixed mnemonic and records calls.
type fakeOnboarding struct {
	mnemonic string
	fundOK   bool
	fundErr  error
	calls    []string
}

func (f *fakeOnboarding) Create(_ context.Context, name string) (string, string, error) {
	f.calls = append(f.calls, "create "+name)
	return addrMain, f.mnemonic, nil
}
func (f *fakeOnboarding) Import(_ context.Context, name, m string) (string, error) {
	f.calls = append(f.calls, "import "+name)
	if !strings.HasPrefix(m, "w1 ") {
		return "", errors.New("checksum mismatch")
	}
	return addrSaving, nil
}
func (f *fakeOnboarding) Fund(_ context.Context, addr string) (string, bool, error) {
	f.calls = append(f.calls, "fund "+addr)
	return "TXFUND", f.fundOK, f.fundErr
}

func words25() string {
	ws := make([]string, 25)
	for i := range ws {
		ws[i] = fmt.Sprintf("w%d", i+1)
	}
	return strings.Join(ws, " ")
}

func newTestOnboarding(t *testing.T, f *fakeOnboarding) (*Onboarding, *string) {
	t.Helper()
	test.NewTempApp(t)
	done := new(string)
	o := NewOnboarding(context.Background(), f, func(a string) { *done = a })
	o.spawn = func(fn func()) { fn() }
	w := test.NewTempWindow(t, o.Content())
	w.Resize(fyne.NewSize(900, 700))
	return o, done
}

func TestOnboardingCreateChecksBackupThenFunds(t *testing.T) {
	f := &fakeOnboarding{mnemonic: words25(), fundOK: true}
	o, done := newTestOnboarding(t, f)
	test.Tap(findButton(t, o.Content(), "Create a new account"))
	assertShows(t, o.Content(), "Write down your recovery words")
	test.Type(o.checks[0], "w3")
	test.Type(o.checks[1], "wrong")
	test.Type(o.checks[2], "w24")
	test.Tap(findButton(t, o.Content(), "I wrote it down — check"))
	if o.status.Text != "Word 11 does not match; look at your copy again." {
		t.Fatalf("status = %q", o.status.Text)
	}
	o.checks[1].SetText("W11")
	test.Tap(findButton(t, o.Content(), "I wrote it down — check"))
	assertShows(t, o.Content(), "Your account is ready", "Funded from the LocalNet dispenser · transaction TXFUND")
	if o.mnemonic != "" {
		t.Error("the mnemonic is kept after the backup check")
	}
	test.Tap(findButton(t, o.Content(), "Open the wallet"))
	if *done != addrMain || strings.Join(f.calls, ",") != "create main,fund "+addrMain {
		t.Errorf("done with %q; calls %v", *done, f.calls)
	}
}

func TestOnboardingImportValidation(t *testing.T) {
	f := &fakeOnboarding{}
	o, _ := newTestOnboarding(t, f)
	o.phrase.SetText("only three words")
	test.Tap(findButton(t, o.Content(), "Import this account"))
	if o.status.Text != "Mnemonic: an Algorand mnemonic has 25 words; this one has 3" || len(f.calls) != 0 {
		t.Errorf("status %q, calls %v", o.status.Text, f.calls)
	}
	o.phrase.SetText(strings.Repeat("x ", 25))
	test.Tap(findButton(t, o.Content(), "Import this account"))
	if o.status.Text != "Could not import: checksum mismatch" {
		t.Errorf("status = %q", o.status.Text)
	}
	o.name.SetText(" ")
	test.Tap(findButton(t, o.Content(), "Create a new account"))
	if o.status.Text != "Account name: give the account a name, e.g. main" {
		t.Errorf("status = %q", o.status.Text)
	}
}

func TestOnboardingImportOffLocalNet(t *testing.T) {
	f := &fakeOnboarding{}
	o, _ := newTestOnboarding(t, f)
	o.phrase.SetText(words25())
	test.Tap(findButton(t, o.Content(), "Import this account"))
	assertShows(t, o.Content(), "This network has no dispenser: send ALGO to the address above to start.")
	if o.phrase.Text != "" {
		t.Error("the recovery words stayed in the import field after the import")
	}
}

// fakeSetup is an onboarding service with the network and role steps.
type fakeSetup struct {
	fakeOnboarding
	running  string
	saved    NetworkChoice
	readErr  error
	saveErr  error
	networks []NetworkChoice
	roles    []string
	keys     string
}

func (f *fakeSetup) Networks(context.Context) (string, NetworkChoice, error) {
	return f.running, f.saved, f.readErr
}
func (f *fakeSetup) SaveNetwork(_ context.Context, c NetworkChoice) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	f.networks = append(f.networks, c)
	return nil
}
func (f *fakeSetup) SaveRole(_ context.Context, role string) error {
	f.roles = append(f.roles, role)
	return nil
}
func (f *fakeSetup) KeyStorage() string { return f.keys }

func newTestSetup(t *testing.T, f *fakeSetup) (*Onboarding, fyne.Window, *[]string) {
	t.Helper()
	test.NewTempApp(t)
	var tabs []string
	o := newOnboarding(context.Background(), f, func(string) {}, func(fn func()) { fn() })
	o.SetNavigate(func(tab string) { tabs = append(tabs, tab) })
	w := test.NewTempWindow(t, o.Content())
	w.Resize(fyne.NewSize(900, 700))
	return o, w, &tabs
}

func TestOnboardingNetworkStepLoadsSaved(t *testing.T) {
	f := &fakeSetup{running: NetworkLocalNet, saved: NetworkChoice{Network: NetworkTestNet, AlgodURL: "https://tn.example"}}
	o, w, _ := newTestSetup(t, f)
	assertShows(t, o.Content(), "Choose a network", networkStepText, networkTokenHelp)
	if o.netForm.network.Selected != NetworkTestNet || o.netForm.url.entry.Text != "https://tn.example" {
		t.Errorf("form starts from %q %q", o.netForm.network.Selected, o.netForm.url.entry.Text)
	}
	test.AssertImageMatches(t, "onboarding_network.png", w.Canvas().Capture())
}

func TestOnboardingNetworkReadError(t *testing.T) {
	f := &fakeSetup{running: NetworkLocalNet, readErr: errors.New("preferences file is not valid JSON")}
	o, _, _ := newTestSetup(t, f)
	if o.status.Text != "Could not read the saved network: preferences file is not valid JSON" {
		t.Errorf("status = %q", o.status.Text)
	}
	f.readErr = nil
	test.Tap(findButton(t, o.Content(), "Try again"))
	assertShows(t, o.Content(), networkStepText)
	if o.netForm.network.Selected != NetworkLocalNet {
		t.Errorf("no saved network: preset %q, want the running LocalNet", o.netForm.network.Selected)
	}
}

func TestOnboardingNetworkValidation(t *testing.T) {
	tests := []struct{ network, url, want string }{
		{NetworkTestNet, "", "TestNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{NetworkMainNet, "", "MainNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{NetworkCustom, "localhost:4001", "must start with http:// or https://, e.g. http://127.0.0.1:4001"},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			f := &fakeSetup{running: NetworkLocalNet}
			o, _, _ := newTestSetup(t, f)
			o.netForm.network.SetSelected(tt.network)
			o.netForm.url.entry.SetText(tt.url)
			test.Tap(findButton(t, o.Content(), "Continue"))
			if o.netForm.url.err.Text != tt.want || len(f.networks) != 0 {
				t.Errorf("reason %q; saves %v", o.netForm.url.err.Text, f.networks)
			}
			assertShows(t, o.Content(), "Choose a network")
		})
	}
}

func TestOnboardingTokenRefusedWithoutKeyring(t *testing.T) {
	f := &fakeSetup{running: NetworkLocalNet, saveErr: &FieldError{Field: "algod token", Reason: "not saved: no OS keyring answered"}}
	o, _, _ := newTestSetup(t, f)
	o.netForm.network.SetSelected(NetworkCustom)
	o.netForm.url.entry.SetText("http://10.0.0.2:8080")
	test.Type(o.netForm.token.entry, "tok")
	test.Tap(findButton(t, o.Content(), "Continue"))
	if o.netForm.token.err.Text != "not saved: no OS keyring answered" ||
		o.status.Text != "Correct the fields marked above, or leave the token empty." {
		t.Errorf("token reason %q; status %q", o.netForm.token.err.Text, o.status.Text)
	}
	assertShows(t, o.Content(), "Choose a network")
}

// TestOnboardingProviderOnLocalNet walks the whole setup: LocalNet, a new
// account, its backup, the provider role and the dispenser; the last step
// points at the Provide tab.
func TestOnboardingProviderOnLocalNet(t *testing.T) {
	f := &fakeSetup{fakeOnboarding: fakeOnboarding{mnemonic: words25(), fundOK: true}, running: NetworkLocalNet,
		keys: "in the OS keyring"}
	o, w, tabs := newTestSetup(t, f)
	test.Tap(findButton(t, o.Content(), "Continue"))
	if len(f.networks) != 1 || f.networks[0] != (NetworkChoice{Network: NetworkLocalNet}) {
		t.Fatalf("networks saved: %+v", f.networks)
	}
	assertShows(t, o.Content(), "Set up your wallet", "Your keys are kept in the OS keyring.")
	test.Tap(findButton(t, o.Content(), "Create a new account"))
	for i, n := range backupChecks {
		test.Type(o.checks[i], fmt.Sprintf("w%d", n))
	}
	test.Tap(findButton(t, o.Content(), "I wrote it down — check"))
	assertShows(t, o.Content(), "What will you do with Kinetic?")
	test.AssertImageMatches(t, "onboarding_role.png", w.Canvas().Capture())
	test.Tap(findButton(t, o.Content(), "Continue"))
	if o.status.Text != "Choose one: Rent out my GPU, Run jobs or Both." || len(f.roles) != 0 {
		t.Errorf("no role: status %q, saved %v", o.status.Text, f.roles)
	}
	o.roleChoice.SetSelected(roleProvideText)
	test.Tap(findButton(t, o.Content(), "Continue"))
	if strings.Join(f.roles, ",") != SetupProvider {
		t.Errorf("roles saved: %v", f.roles)
	}
	assertShows(t, o.Content(), "Funded from the LocalNet dispenser · transaction TXFUND",
		"Next: register this machine as a provider on the Provide tab: check the GPU, set your price and switch renting on.")
	test.AssertImageMatches(t, "onboarding_provider_done.png", w.Canvas().Capture())
	test.Tap(findButton(t, o.Content(), "Register on the Provide tab"))
	if strings.Join(*tabs, ",") != TabProvide {
		t.Errorf("opened tabs %v, want Provide", *tabs)
	}
}

// TestOnboardingConsumerOnTestNet saves TestNet while running LocalNet:
// no dispenser is asked, the user is told to restart, and a consumer is
// pointed at the Marketplace.
func TestOnboardingConsumerOnTestNet(t *testing.T) {
	f := &fakeSetup{running: NetworkLocalNet}
	o, w, tabs := newTestSetup(t, f)
	o.netForm.network.SetSelected(NetworkTestNet)
	o.netForm.url.entry.SetText(" https://tn.example ")
	test.Type(o.netForm.token.entry, "secret-token")
	test.Tap(findButton(t, o.Content(), "Continue"))
	if len(f.networks) != 1 || f.networks[0] != (NetworkChoice{Network: NetworkTestNet, AlgodURL: "https://tn.example", Token: "secret-token"}) {
		t.Fatalf("networks saved: %+v", f.networks)
	}
	if o.status.Text != "Saved: Kinetic connects to TestNet at its next start; it runs on LocalNet until then." {
		t.Errorf("status = %q", o.status.Text)
	}
	if o.chosen.Token != "" {
		t.Error("the setup keeps the token after saving it")
	}
	o.phrase.SetText(words25())
	test.Tap(findButton(t, o.Content(), "Import this account"))
	o.roleChoice.SetSelected(roleConsumeText)
	test.Tap(findButton(t, o.Content(), "Continue"))
	if strings.Join(f.roles, ",") != SetupConsumer {
		t.Errorf("roles saved: %v", f.roles)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "fund ") {
			t.Errorf("the LocalNet dispenser was asked for a TestNet account: %v", f.calls)
		}
	}
	assertShows(t, o.Content(),
		"Kinetic connects to TestNet at its next start: restart it now, then send ALGO on TestNet to the address above to start.",
		"Next: pick a provider on the Marketplace and submit a job from the Jobs tab.")
	test.AssertImageMatches(t, "onboarding_consumer_done.png", w.Canvas().Capture())
	test.Tap(findButton(t, o.Content(), "Browse the Marketplace"))
	if strings.Join(*tabs, ",") != TabMarketplace {
		t.Errorf("opened tabs %v, want Marketplace", *tabs)
	}
}

func TestOnboardingBothOffersBothTabs(t *testing.T) {
	f := &fakeSetup{running: NetworkLocalNet}
	o, _, tabs := newTestSetup(t, f)
	test.Tap(findButton(t, o.Content(), "Continue"))
	o.phrase.SetText(words25())
	test.Tap(findButton(t, o.Content(), "Import this account"))
	o.roleChoice.SetSelected(roleBothText)
	test.Tap(findButton(t, o.Content(), "Continue"))
	assertShows(t, o.Content(), "This network has no dispenser: send ALGO to the address above to start.")
	test.Tap(findButton(t, o.Content(), "Browse the Marketplace"))
	test.Tap(findButton(t, o.Content(), "Register on the Provide tab"))
	if strings.Join(*tabs, ",") != TabMarketplace+","+TabProvide || strings.Join(f.roles, ",") != SetupBoth {
		t.Errorf("tabs %v, roles %v", *tabs, f.roles)
	}
}
