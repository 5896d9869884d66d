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
}
