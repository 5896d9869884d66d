package app

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/kinetic-compute/kinetic/ui"
)

func TestNotifierFollowsSettings(t *testing.T) {
	fake := &fakeTrayApp{App: test.NewTempApp(t)}
	prefs := NewPreferenceStore(t.TempDir())
	n := notifier{app: fake, prefs: prefs, log: discardLog()}
	n.send(NotifyPaymentReceived, "Payment received", "1 ALGO")
	if _, err := prefs.Update(func(p *Preferences) { p.Notify.PaymentReceived = false }); err != nil {
		t.Fatal(err)
	}
	n.send(NotifyPaymentReceived, "Payment received", "2 ALGO") // off now
	n.send(NotifyErrors, "Kinetic needs you", "boom")           // still on
	want := []string{"Payment received: 1 ALGO", "Kinetic needs you: boom"}
	if len(fake.sent) != len(want) || fake.sent[0] != want[0] || fake.sent[1] != want[1] {
		t.Fatalf("sent %q, want %q", fake.sent, want)
	}
}

func TestJobNoteKinds(t *testing.T) {
	for title, want := range map[string]NotifyKind{
		ui.NoteFundsLow: NotifyLowFunds, ui.NotePaymentReceived: NotifyPaymentReceived,
		ui.NoteJobFinished: NotifyJobFinished, ui.NoteJobFailed: NotifyJobFinished, ui.NoteJobDisputed: NotifyJobFinished,
	} {
		if got := jobNoteKind(title); got != want {
			t.Errorf("jobNoteKind(%q) = %d, want %d", title, got, want)
		}
	}
}

func TestLowFundsWarnsOnceUntilRefilled(t *testing.T) {
	var l lowFunds
	steps := []struct {
		spendable uint64
		warn      bool
	}{
		{5_000_000, false},
		{999_999, true},    // fell under 1 ALGO
		{500_000, false},   // told already
		{1_500_000, false}, // above the threshold but not re-armed
		{900_000, false},
		{2_000_001, false}, // re-armed
		{10, true},
	}
	for i, s := range steps {
		title, body, ok := l.check("ADDR", s.spendable)
		if ok != s.warn {
			t.Fatalf("step %d (%d µALGO): warned %v, want %v", i, s.spendable, ok, s.warn)
		}
		if ok && (title != "Account balance low" || body != "ADDR has "+algoText(s.spendable)+" spendable: top it up (Wallet → Receive) before jobs or fees are refused.") {
			t.Errorf("step %d: %q %q", i, title, body)
		}
	}
}
