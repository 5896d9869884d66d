package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/moby/term"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/wallet"
)

// walletSynopsis shows the subcommands of `kinetic wallet` in the usage text.
const walletSynopsis = "create|import|show|fund [flags]"

// walletUsage is printed for a wallet command line that does not parse.
const walletUsage = `usage: kinetic wallet SUBCOMMAND [flags]   (global flags such as --data-dir DIR go before "wallet")
  create [--name NAME]     new account in the OS keyring; its 25 recovery words are shown on this terminal only
  import [--name NAME]     add an existing account; the 25 words are read from stdin (never from the command line)
  show                     accounts, balance, spendable and budget caps
  fund [--amount µALGO]    LocalNet only: pay the active account from the LocalNet dispenser`

// walletBackupChecks are the (1-based) recovery words `wallet create` asks
// back, the ones the desktop's first-run setup asks for.
var walletBackupChecks = []int{3, 11, 24}

// maxMnemonicInput bounds what `wallet import` reads from stdin.
const maxMnemonicInput = 4096

// walletIO is the terminal a wallet command talks to, and the parts tests
// replace.
type walletIO struct {
	in  io.Reader
	out io.Writer
	// interactive: both in and out are a terminal, where recovery words may
	// be shown.
	interactive bool
	// inTerminal: in is a terminal, where typed words echo; `wallet import`
	// then erases the line typed.
	inTerminal bool
	// probe checks the OS keyring; nil means wallet.ProbeKeyring.
	probe func() error
}

// hideInput turns off the echo of in when it is a terminal and returns
// what turns it back on; elsewhere (and when the terminal refuses) it
// does nothing, and the erased line is the only cover.
func hideInput(in io.Reader) (restore func()) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return func() {}
	}
	st, err := term.SaveState(f.Fd())
	if err != nil || term.DisableEcho(f.Fd(), st) != nil {
		return func() {}
	}
	return func() { _ = term.RestoreTerminal(f.Fd(), st) }
}

// isTerminal reports whether v is an *os.File on a character device.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// stdWalletIO is the process's standard input and the runner's output.
func stdWalletIO(out io.Writer) walletIO {
	in := isTerminal(os.Stdin)
	return walletIO{in: os.Stdin, out: out, inTerminal: in, interactive: in && isTerminal(out)}
}

// runWalletCommand is the table entry of `kinetic wallet`.
func runWalletCommand(ctx context.Context, r runner, inv invocation) error {
	return r.walletCommand(ctx, inv, stdWalletIO(r.stdout))
}

// walletCommand runs the wallet subcommand in inv.args over wio.
func (r runner) walletCommand(ctx context.Context, inv invocation, wio walletIO) error {
	if len(inv.args) == 0 {
		return errors.New(walletUsage)
	}
	sub, args := inv.args[0], inv.args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(r.stderr, walletUsage)
		return nil
	}
	fs := flag.NewFlagSet("kinetic wallet "+sub, flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprintln(r.stderr, walletUsage); fs.PrintDefaults() }
	name := "main"
	amount := uint64(onboardingFunding)
	switch sub {
	case "create", "import":
		fs.StringVar(&name, "name", name, "the account's name in this wallet")
	case "fund":
		fs.Uint64Var(&amount, "amount", amount, "µALGO to pay from the dispenser")
	case "show":
	default:
		return fmt.Errorf("unknown wallet subcommand %q\n%s", sub, walletUsage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 0 {
		if sub == "import" {
			return errors.New("wallet import: the recovery words are read from stdin, never from the command line (other users can read it with ps): kinetic wallet import < words")
		}
		return fmt.Errorf("wallet %s: unexpected argument %q\n%s", sub, fs.Arg(0), walletUsage)
	}
	if sub == "create" && !wio.interactive {
		// Refused before anything is created: an account whose words were
		// never shown has no backup.
		return errors.New("wallet create: the 25 recovery words are shown only on an interactive terminal, and stdin or stdout is not one; " +
			"run it from a terminal (an interactive ssh session works), or import an existing account with 'kinetic wallet import' (words on stdin)")
	}
	if sub == "fund" && (inv.cfg.Network == TestNet || inv.cfg.Network == MainNet) {
		return fmt.Errorf("wallet fund: %s has no dispenser Kinetic can use (only LocalNet does); send ALGO to the account shown by 'kinetic wallet show'", inv.cfg.Network)
	}
	db, err := OpenStore(inv.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("wallet %s: %w", sub, err)
	}
	defer db.Close()
	w, err := wallet.Open(ctx, wallet.Options{DB: db, KeystorePath: filepath.Join(inv.cfg.DataDir, keystoreFile), Probe: wio.probe,
		Passphrase: keystorePassphrase})
	if err != nil {
		return fmt.Errorf("wallet %s: %w", sub, err)
	}
	defer w.Close()
	switch sub {
	case "create":
		return walletCreate(ctx, w, wio, name)
	case "import":
		return walletImport(ctx, w, wio, name)
	case "show":
		return walletShow(ctx, w, wallet.NewBudget(db, nil), inv.cfg, wio.out)
	default:
		return walletFund(ctx, w, inv.cfg, amount, wio.out)
	}
}

// keystorePassphrase unlocks the fallback keystore file from
// KINETIC_PASSPHRASE; the wallet asks only when no OS keyring answers.
func keystorePassphrase(context.Context) ([]byte, error) {
	p := os.Getenv(EnvPassphrase)
	if p == "" {
		return nil, fmt.Errorf("no OS keyring answered: set %s to keep the keys in the passphrase-encrypted keystore file in the data dir instead, "+
			"or unlock the OS keyring (Secret Service) and run this again", EnvPassphrase)
	}
	return []byte(p), nil
}

// describeBackend says where w keeps its keys.
func describeBackend(w *wallet.Wallet) string {
	if w.Backend().Kind == wallet.BackendKeyring {
		return "the OS keyring"
	}
	return "the passphrase keystore file"
}

// walletCreate makes a new account, shows its recovery words on the
// terminal and asks a few of them back, as the desktop's first-run setup does.
func walletCreate(ctx context.Context, w *wallet.Wallet, wio walletIO, name string) error {
	a, err := w.Create(ctx, name)
	if err != nil {
		return fmt.Errorf("wallet create: %w", err)
	}
	words, err := w.Reveal(ctx, a.Address, true)
	if err != nil {
		return fmt.Errorf("wallet create: account %s was created but its recovery words cannot be shown: %w", a.Address, err)
	}
	ws := strings.Fields(words)
	fmt.Fprintf(wio.out, "Account %q: %s\n\nWrite down these recovery words. Anyone with them controls the account; Kinetic cannot recover them.\n\n%s\n\n",
		name, a.Address, numberedMnemonic(ws))
	in := bufio.NewReader(wio.in)
	for _, n := range walletBackupChecks {
		for {
			fmt.Fprintf(wio.out, "Type word %d: ", n)
			line, err := in.ReadString('\n')
			if strings.EqualFold(strings.TrimSpace(line), ws[n-1]) {
				break
			}
			if err != nil {
				return fmt.Errorf("wallet create: account %s was created in %s, but its backup was not checked (input ended)", a.Address, describeBackend(w))
			}
			fmt.Fprintf(wio.out, "Word %d does not match; look at your copy again.\n", n)
		}
	}
	// Clear the screen and its scrollback, so that the words do not stay
	// on the terminal.
	fmt.Fprint(wio.out, "\033[H\033[2J\033[3J")
	fmt.Fprintf(wio.out, "backup checked: account %q %s is in %s%s\n", name, a.Address, describeBackend(w), activeNote(a))
	return nil
}

// numberedMnemonic lays the words out five a line, numbered.
func numberedMnemonic(ws []string) string {
	var b strings.Builder
	for i, w := range ws {
		fmt.Fprintf(&b, "%2d. %-10s", i+1, w)
		if i%5 == 4 {
			b.WriteString("\n")
		}
	}
	return strings.TrimRight(b.String(), "\n ")
}

// activeNote says whether a is the account the market commands use.
func activeNote(a wallet.Account) string {
	if a.Active {
		return " (active)"
	}
	return " (not active: the first account stays the active one)"
}

// walletImport adds the account whose recovery words are on wio.in.
func walletImport(ctx context.Context, w *wallet.Wallet, wio walletIO, name string) error {
	// One buffer, never grown, so that zeroing it clears every copy.
	buf := make([]byte, 0, maxMnemonicInput)
	defer func() { clear(buf[:cap(buf)]) }()
	if wio.inTerminal {
		fmt.Fprintln(wio.out, "Type the 25 recovery words, then Enter (they are not shown; the line is erased after it is read):")
		restore := hideInput(wio.in)
		line, rerr := readLine(wio.in, buf)
		restore()
		buf = line
		// Up one line and erase it: the words typed do not stay on screen.
		fmt.Fprint(wio.out, "\033[1A\033[2K\r")
		if rerr != nil && len(line) == 0 {
			return fmt.Errorf("wallet import: no words read: %w", rerr)
		}
	} else {
		var err error
		if buf, err = readAll(wio.in, buf); err != nil {
			return fmt.Errorf("wallet import: %w", err)
		}
	}
	a, err := w.Import(ctx, name, string(buf))
	if reason, ok := wallet.IsBadMnemonic(err); ok {
		return fmt.Errorf("wallet import: those words are not a valid Algorand mnemonic (%s): %w", reason, err)
	}
	if errors.Is(err, wallet.ErrAccountExists) {
		return fmt.Errorf("wallet import: that account is already in this wallet: %w", err)
	}
	if err != nil {
		return fmt.Errorf("wallet import: %w", err)
	}
	fmt.Fprintf(wio.out, "imported account %q %s into %s%s\n", name, a.Address, describeBackend(w), activeNote(a))
	return nil
}

// readAll reads r into buf, up to buf's capacity, without growing it.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			return buf, fmt.Errorf("more than %d bytes on stdin: pipe in only the 25 words", cap(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readLine reads one line of r into buf, up to buf's capacity, a byte at a
// time so that nothing after the line is consumed.
func readLine(r io.Reader, buf []byte) ([]byte, error) {
	var b [1]byte
	for len(buf) < cap(buf) {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return buf, nil
			}
			buf = append(buf, b[0])
			b[0] = 0
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, fmt.Errorf("a line of more than %d bytes", cap(buf))
}

// walletClient connects the configured node.
func walletClient(ctx context.Context, cfg Config) (*algod.Client, error) {
	url, token, err := cfg.endpoint(localnet.New(cfg.LocalNetDir, io.Discard).Endpoint)()
	if err != nil {
		return nil, err
	}
	c, err := algod.MakeClient(url, token)
	if err != nil {
		return nil, fmt.Errorf("algod client for %s: %w", url, err)
	}
	if _, err := c.Status().Do(ctx); err != nil {
		return nil, fmt.Errorf("node %s does not answer: %w", url, err)
	}
	return c, nil
}

// walletShow prints the accounts, the active one's balance and the budget caps.
func walletShow(ctx context.Context, w *wallet.Wallet, budget *wallet.Budget, cfg Config, out io.Writer) error {
	accts, err := w.Accounts(ctx, false)
	if err != nil {
		return fmt.Errorf("wallet show: %w", err)
	}
	if len(accts) == 0 {
		return errors.New("wallet show: this data dir has no account: run 'kinetic wallet create' (on a terminal) or 'kinetic wallet import' (words on stdin)")
	}
	fmt.Fprintf(out, "keys in %s\n", describeBackend(w))
	var active wallet.Account
	for _, a := range accts {
		mark := " "
		if a.Active {
			mark, active = "*", a
		}
		fmt.Fprintf(out, "%s %-16s %s\n", mark, a.Name, a.Address)
	}
	u, err := budget.Usage(ctx, wallet.JobID{})
	if err != nil {
		return fmt.Errorf("wallet show: budget: %w", err)
	}
	fmt.Fprintf(out, "budget: per job %s, daily %s; spent today %d µALGO, reserved %d µALGO\n",
		budgetCap(u.Limits.PerJob), budgetCap(u.Limits.Daily), u.DaySpent, u.DayReserved)
	if active.Address == "" {
		return nil
	}
	c, err := walletClient(ctx, cfg)
	if err != nil {
		return fmt.Errorf("wallet show: balance of %s: %w", active.Address, err)
	}
	b, err := (&wallet.Chain{Client: c}).Balance(ctx, active.Address)
	if err != nil {
		return fmt.Errorf("wallet show: %w", err)
	}
	fmt.Fprintf(out, "balance: %d µALGO, minimum %d µALGO, spendable %d µALGO (round %d)\n", b.Amount, b.MinBalance, b.Spendable, b.Round)
	return nil
}

// budgetCap renders a budget cap; 0 is none.
func budgetCap(v uint64) string {
	if v == 0 {
		return "no cap"
	}
	return fmt.Sprintf("%d µALGO", v)
}

// walletFund pays amount from the LocalNet dispenser to the active account.
// It runs on LocalNet, or on a custom endpoint that is the LocalNet node of
// --localnet-dir (same genesis hash): the dispenser is that node's account.
func walletFund(ctx context.Context, w *wallet.Wallet, cfg Config, amount uint64, out io.Writer) error {
	acct, err := w.Active(ctx)
	if err != nil {
		return fmt.Errorf("wallet fund: no active account (run 'kinetic wallet create' or 'kinetic wallet import' first): %w", err)
	}
	c, err := walletClient(ctx, cfg)
	if err != nil {
		return fmt.Errorf("wallet fund: %w", err)
	}
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return fmt.Errorf("wallet fund: node params: %w", err)
	}
	gh := base64.StdEncoding.EncodeToString(sp.GenesisHash)
	if name, public := contracts.PublicNetworks()[gh]; public {
		return fmt.Errorf("wallet fund: the node is on %s, which has no LocalNet dispenser; send ALGO to %s instead", name, acct.Address)
	}
	m := localnet.New(cfg.LocalNetDir, io.Discard)
	lc, err := m.Client()
	if err != nil {
		return fmt.Errorf("wallet fund: no LocalNet in %s (start it with 'kinetic localnet up'): %w", cfg.LocalNetDir, err)
	}
	lsp, err := lc.SuggestedParams().Do(ctx)
	if err != nil {
		return fmt.Errorf("wallet fund: LocalNet in %s does not answer (start it with 'kinetic localnet up'): %w", cfg.LocalNetDir, err)
	}
	if !bytes.Equal(lsp.GenesisHash, sp.GenesisHash) {
		return fmt.Errorf("wallet fund: the node (%s) is not the LocalNet of %s (%s): only LocalNet has a dispenser", sp.GenesisID, cfg.LocalNetDir, lsp.GenesisID)
	}
	d, err := m.Dispenser(ctx)
	if err != nil {
		return fmt.Errorf("wallet fund: %w", err)
	}
	to, err := types.DecodeAddress(acct.Address)
	if err != nil {
		return fmt.Errorf("wallet fund: %w", err)
	}
	rc, err := wallet.FundFromDispenser(ctx, c, transaction.BasicAccountTransactionSigner{Account: d}, d.Address, to, amount)
	if err != nil {
		return fmt.Errorf("wallet fund: %w", err)
	}
	b, err := (&wallet.Chain{Client: c}).Balance(ctx, acct.Address)
	if err != nil {
		return fmt.Errorf("wallet fund: paid in %s, but the balance cannot be read: %w", rc.TxID, err)
	}
	fmt.Fprintf(out, "funded %s with %d µALGO from the LocalNet dispenser in %s (round %d); balance %d µALGO\n",
		acct.Address, amount, rc.TxID, rc.Round, b.Amount)
	return nil
}
