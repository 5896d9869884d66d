package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/wallet"
)

// newWords returns a fresh account and its 25 recovery words.
func newWords(t *testing.T) (crypto.Account, string) {
	t.Helper()
	a := crypto.GenerateAccount()
	words, err := mnemonic.FromPrivateKey(a.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return a, words
}

// walletRun runs `kinetic --data-dir dir wallet args…` over wio.
func walletRun(t *testing.T, cfg Config, wio walletIO, args ...string) (string, error) {
	t.Helper()
	r, _, _ := testRunner(t)
	var out bytes.Buffer
	if wio.out == nil {
		wio.out = &out
	}
	if wio.in == nil {
		wio.in = strings.NewReader("")
	}
	err := r.walletCommand(testkit.Context(t, time.Minute), invocation{cfg: cfg, args: args}, wio)
	return out.String(), err
}

// openedAccounts lists the live accounts of dir's wallet, opened with probe.
func openedAccounts(t *testing.T, dir string, probe func() error) []wallet.Account {
	t.Helper()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := wallet.Open(context.Background(), wallet.Options{DB: db, KeystorePath: filepath.Join(dir, keystoreFile), Probe: probe,
		Passphrase: keystorePassphrase})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	accts, err := w.Accounts(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return accts
}

func TestWalletImportReadsStdinIntoKeyring(t *testing.T) {
	testkit.Keyring(t)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet}
	a, words := newWords(t)
	out, err := walletRun(t, cfg, walletIO{in: strings.NewReader("  " + strings.ToUpper(words) + "\n")}, "import", "--name", "rig")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	want := fmt.Sprintf("imported account %q %s into the OS keyring (active)\n", "rig", a.Address)
	if out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	accts := openedAccounts(t, cfg.DataDir, nil)
	if len(accts) != 1 || accts[0].Address != a.Address.String() || accts[0].Backend != wallet.BackendKeyring || !accts[0].Active {
		t.Fatalf("accounts %+v, want %s active in the keyring", accts, a.Address)
	}
	if _, err := walletRun(t, cfg, walletIO{in: strings.NewReader(words)}, "import"); !errors.Is(err, wallet.ErrAccountExists) {
		t.Fatalf("second import: %v, want ErrAccountExists", err)
	}
}

func TestWalletImportRejections(t *testing.T) {
	testkit.Keyring(t)
	_, words := newWords(t)
	ws := strings.Fields(words)
	// Another checksum word: the 24 words of the key are intact.
	badSum := append([]string(nil), ws...)
	badSum[24] = map[bool]string{true: "ability", false: "abandon"}[ws[24] == "abandon"]
	tests := []struct {
		name, in string
		args     []string
		want     string
	}{
		{"words on the command line", "", []string{"import", ws[0], ws[1]}, "read from stdin, never from the command line"},
		{"24 words", strings.Join(ws[:24], " "), []string{"import"}, "not a valid Algorand mnemonic (length)"},
		{"checksum", strings.Join(badSum, " "), []string{"import"}, "not a valid Algorand mnemonic (checksum)"},
		{"unknown word", strings.Join(append([]string{"zzzz"}, ws[1:]...), " "), []string{"import"}, "word 1 is not in the word list"},
		{"too much input", strings.Repeat("a ", maxMnemonicInput), []string{"import"}, "more than 4096 bytes on stdin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := walletRun(t, Config{DataDir: dir, Network: LocalNet}, walletIO{in: strings.NewReader(tc.in)}, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), strings.Join(ws[2:5], " ")) {
				t.Fatalf("error %q repeats the recovery words", err)
			}
			if n := len(openedAccounts(t, dir, nil)); n != 0 {
				t.Fatalf("%d accounts after a refused import", n)
			}
		})
	}
}

// backupTerminal plays the user at the terminal of `wallet create`: it
// reads the words shown and answers each "Type word N" prompt from them,
// the first answer to word 11 wrong.
type backupTerminal struct {
	out     bytes.Buffer
	answers int
	wrong   bool
}

var promptRE = regexp.MustCompile(`Type word (\d+): $`)

func (b *backupTerminal) Write(p []byte) (int, error) { return b.out.Write(p) }

func (b *backupTerminal) Read(p []byte) (int, error) {
	m := promptRE.FindStringSubmatch(b.out.String())
	if m == nil {
		return 0, errors.New("backupTerminal: read without a prompt")
	}
	var n int
	fmt.Sscan(m[1], &n)
	word := shownWords(b.out.String())[n-1]
	if n == 11 && !b.wrong {
		b.wrong, word = true, "wrong"
	}
	b.answers++
	return copy(p, " "+strings.ToUpper(word)+"\n"), nil
}

// shownWords parses the numbered words of the backup screen.
func shownWords(s string) []string {
	var ws []string
	for _, m := range regexp.MustCompile(`(?m)\b(\d+)\. +([a-z]+)`).FindAllStringSubmatch(s, -1) {
		ws = append(ws, m[2])
	}
	return ws
}

func TestWalletCreateShowsWordsAndChecksThem(t *testing.T) {
	testkit.Keyring(t)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet}
	term := &backupTerminal{}
	if _, err := walletRun(t, cfg, walletIO{in: term, out: term, interactive: true}, "create", "--name", "rig"); err != nil {
		t.Fatalf("create: %v\n%s", err, term.out.String())
	}
	out := term.out.String()
	accts := openedAccounts(t, cfg.DataDir, nil)
	if len(accts) != 1 || !accts[0].Active || accts[0].Name != "rig" || accts[0].Backend != wallet.BackendKeyring {
		t.Fatalf("accounts %+v", accts)
	}
	shown := shownWords(out)
	key, err := mnemonic.ToPrivateKey(strings.Join(shown, " "))
	if err != nil {
		t.Fatalf("the %d words shown are not the account's mnemonic: %v", len(shown), err)
	}
	if a, _ := crypto.AccountFromPrivateKey(key); a.Address.String() != accts[0].Address {
		t.Fatalf("the words shown are the key of %s, the account is %s", a.Address, accts[0].Address)
	}
	if term.answers != 4 || strings.Count(out, "Word 11 does not match; look at your copy again.") != 1 {
		t.Fatalf("%d answers, output:\n%s", term.answers, out)
	}
	clearAt := strings.Index(out, "\033[H\033[2J\033[3J")
	if clearAt < strings.Index(out, "Type word 24") {
		t.Fatalf("the screen is not cleared after the check:\n%q", out)
	}
	if got, want := out[clearAt+len("\033[H\033[2J\033[3J"):], fmt.Sprintf("backup checked: account %q %s is in the OS keyring (active)\n", "rig", accts[0].Address); got != want {
		t.Fatalf("after the check %q, want %q", got, want)
	}
	// Nothing in the data dir holds the words.
	entries, _ := filepath.Glob(filepath.Join(cfg.DataDir, "*"))
	for _, f := range entries {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(strings.Join(shown[:4], " "))) {
			t.Fatalf("%s holds the recovery words", f)
		}
	}
}

func TestWalletCreateRefusesWithoutTerminal(t *testing.T) {
	testkit.Keyring(t)
	dir := t.TempDir()
	_, err := walletRun(t, Config{DataDir: dir, Network: LocalNet}, walletIO{interactive: false}, "create")
	if err == nil || !strings.Contains(err.Error(), "shown only on an interactive terminal") || !strings.Contains(err.Error(), "kinetic wallet import") {
		t.Fatalf("create without a terminal: %v", err)
	}
	if n := len(openedAccounts(t, dir, nil)); n != 0 {
		t.Fatalf("%d accounts created without a terminal", n)
	}
}

func TestWalletCreateInputEndsBeforeCheck(t *testing.T) {
	testkit.Keyring(t)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet}
	var out bytes.Buffer
	_, err := walletRun(t, cfg, walletIO{in: strings.NewReader("nope\n"), out: &out, interactive: true}, "create")
	if err == nil || !strings.Contains(err.Error(), "its backup was not checked (input ended)") {
		t.Fatalf("create with input ending: %v", err)
	}
	if strings.Contains(out.String(), "\033[2J") {
		t.Fatal("the screen was cleared as if the backup were checked")
	}
}

func TestWalletWithoutKeyringNeedsPassphrase(t *testing.T) {
	noKeyring := func() error { return &wallet.NoKeyringError{Op: "set", Err: errors.New("no Secret Service")} }
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Network: LocalNet}
	a, words := newWords(t)
	t.Setenv(EnvPassphrase, "")
	_, err := walletRun(t, cfg, walletIO{in: strings.NewReader(words), probe: noKeyring}, "import")
	if err == nil || !strings.Contains(err.Error(), "set KINETIC_PASSPHRASE to keep the keys in the passphrase-encrypted keystore file") {
		t.Fatalf("import without keyring or passphrase: %v", err)
	}
	t.Setenv(EnvPassphrase, "correct horse battery staple")
	out, err := walletRun(t, cfg, walletIO{in: strings.NewReader(words), probe: noKeyring}, "import")
	if err != nil {
		t.Fatalf("import into the keystore file: %v", err)
	}
	if want := fmt.Sprintf("imported account %q %s into the passphrase keystore file (active)\n", "main", a.Address); out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, keystoreFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range strings.Fields(words) {
		if len(w) > 5 && bytes.Contains(b, []byte(w)) {
			t.Fatalf("the keystore file holds the word %q in plaintext", w)
		}
	}
	if accts := openedAccounts(t, dir, noKeyring); len(accts) != 1 || accts[0].Backend != wallet.BackendFile {
		t.Fatalf("accounts %+v, want one in the file", accts)
	}
}

func TestWalletFundRefusesPublicNetworks(t *testing.T) {
	for _, n := range []Network{TestNet, MainNet} {
		_, err := walletRun(t, Config{DataDir: t.TempDir(), Network: n, AlgodURL: "http://127.0.0.1:1"}, walletIO{}, "fund")
		if err == nil || err.Error() != fmt.Sprintf("wallet fund: %s has no dispenser Kinetic can use (only LocalNet does); send ALGO to the account shown by 'kinetic wallet show'", n) {
			t.Errorf("fund on %s: %v", n, err)
		}
	}
}

func TestWalletUsageErrors(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet}
	if _, err := walletRun(t, cfg, walletIO{}); err == nil || !strings.HasPrefix(err.Error(), "usage: kinetic wallet SUBCOMMAND") {
		t.Errorf("no subcommand: %v", err)
	}
	if _, err := walletRun(t, cfg, walletIO{}, "send"); err == nil || !strings.HasPrefix(err.Error(), `unknown wallet subcommand "send"`) {
		t.Errorf("unknown subcommand: %v", err)
	}
	for _, h := range []string{"-h", "--help", "help"} {
		if _, err := walletRun(t, cfg, walletIO{}, h); err != nil {
			t.Errorf("wallet %s: %v, want the usage and no error", h, err)
		}
	}
	if _, err := walletRun(t, cfg, walletIO{}, "show", "extra"); err == nil || !strings.HasPrefix(err.Error(), `wallet show: unexpected argument "extra"`) {
		t.Errorf("extra argument: %v", err)
	}
}

func TestWalletFundAndShowOnLocalNet(t *testing.T) {
	testkit.Keyring(t)
	m := testkit.LocalNet(t)
	c := testkit.Algod(t)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet, LocalNetDir: m.Dir()}
	if _, err := walletRun(t, cfg, walletIO{}, "show"); err == nil || !strings.Contains(err.Error(), "this data dir has no account") {
		t.Fatalf("show without an account: %v", err)
	}
	a, words := newWords(t)
	if _, err := walletRun(t, cfg, walletIO{in: strings.NewReader(words)}, "import"); err != nil {
		t.Fatal(err)
	}
	out, err := walletRun(t, cfg, walletIO{}, "fund", "--amount", "2500000")
	if err != nil {
		t.Fatalf("fund: %v", err)
	}
	info, err := c.AccountInformation(a.Address.String()).Do(testkit.Context(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if info.Amount != 2_500_000 {
		t.Fatalf("balance %d after funding 2500000", info.Amount)
	}
	if !strings.HasPrefix(out, fmt.Sprintf("funded %s with 2500000 µALGO from the LocalNet dispenser in ", a.Address)) ||
		!strings.HasSuffix(out, "; balance 2500000 µALGO\n") {
		t.Fatalf("fund output %q", out)
	}
	db, err := OpenStore(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := wallet.NewBudget(db, nil).SetLimits(context.Background(), wallet.BudgetLimits{PerJob: 70_000, Daily: 900_000}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err = walletRun(t, cfg, walletIO{}, "show")
	if err != nil {
		t.Fatalf("show: %v", err)
	}
	for _, want := range []string{
		"keys in the OS keyring\n",
		fmt.Sprintf("* %-16s %s\n", "main", a.Address),
		"budget: per job 70000 µALGO, daily 900000 µALGO; spent today 0 µALGO, reserved 0 µALGO\n",
		"balance: 2500000 µALGO, minimum 100000 µALGO, spendable 2400000 µALGO (round ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
}

func TestWalletImportOnTerminalErasesTheLine(t *testing.T) {
	testkit.Keyring(t)
	a, words := newWords(t)
	in := strings.NewReader(words + "\nnot read\n")
	var out bytes.Buffer
	_, err := walletRun(t, Config{DataDir: t.TempDir(), Network: LocalNet}, walletIO{in: in, out: &out, inTerminal: true}, "import")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	want := "Type the 25 recovery words, then Enter (they are not shown; the line is erased after it is read):\n\033[1A\033[2K\r" +
		fmt.Sprintf("imported account %q %s into the OS keyring (active)\n", "main", a.Address)
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	if in.Len() != len("not read\n") {
		t.Fatalf("import read past its line: %d bytes left", in.Len())
	}
}

func TestWalletFundOnCustomEndpoint(t *testing.T) {
	testkit.Keyring(t)
	m := testkit.LocalNet(t)
	url, token := testkit.AlgodEndpoint(t)
	a, words := newWords(t)
	cfg := Config{DataDir: t.TempDir(), Network: Custom, AlgodURL: url, AlgodToken: Secret(token), LocalNetDir: t.TempDir()}
	if _, err := walletRun(t, cfg, walletIO{in: strings.NewReader(words)}, "import"); err != nil {
		t.Fatal(err)
	}
	// --localnet-dir names no LocalNet: there is no dispenser to pay from.
	_, err := walletRun(t, cfg, walletIO{}, "fund")
	if err == nil || !strings.HasPrefix(err.Error(), "wallet fund: no LocalNet in "+cfg.LocalNetDir+" (start it with 'kinetic localnet up')") {
		t.Fatalf("fund without a LocalNet: %v", err)
	}
	// The custom endpoint is the LocalNet node of --localnet-dir: funded.
	cfg.LocalNetDir = m.Dir()
	out, err := walletRun(t, cfg, walletIO{}, "fund", "--amount", "1000000")
	if err != nil {
		t.Fatalf("fund on the LocalNet node as a custom endpoint: %v", err)
	}
	if !strings.HasSuffix(out, "; balance 1000000 µALGO\n") || !strings.Contains(out, a.Address.String()) {
		t.Fatalf("fund output %q", out)
	}
}
