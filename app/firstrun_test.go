package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// firstRunPrice is the provider's price in the first-run test: 1000
// µALGO per second.
const firstRunPrice = 3_600_000

// TestFirstRunToSettledJob is what a new user does in the desktop app, no
// terminal: on the real LocalNet, Docker engine and OS keyring, in the real
// main window (the test driver's), the first-run setup on the Wallet tab
// creates an account, checks three of its recovery words and funds it from
// the LocalNet dispenser; the Submit job tab sends a template job, the
// image changed to the offline test image, to the provider chosen in its
// list (another instance with its own data dir, the provider agent
// `kinetic provide` runs, in process); the Jobs tab shows it finished
// with all nine proof steps verified; Release payment, confirmed in its
// dialog, settles it. The chain then has no escrow box for the job, and
// the provider's balance rose by exactly the bill less the fees it paid.
//
// The consumer autopilot, which the desktop starts and which would
// release the verified job by itself, is left off so that the release is
// the user's; the start-up LocalNet start and container sweep are left
// off too (the LocalNet and engine are shared with other tests).
func TestFirstRunToSettledJob(t *testing.T) {
	ctx := testkit.Context(t, 6*time.Minute)
	testkit.Keyring(t)
	testkit.Docker(t)
	image := testkit.TestImage(t)
	ln := testkit.LocalNet(t)
	node := testkit.Algod(t)
	// What the desktop's start does on LocalNet: the machine's one
	// deployment, recorded in the LocalNet directory.
	dep, err := realLocalNetApps{}.Ensure(ctx, ln.Dir())
	if err != nil {
		t.Fatal(err)
	}
	chain, err := contracts.NewClient(node, dep.Apps)
	if err != nil {
		t.Fatal(err)
	}

	// The provider: another instance, with its own data dir, account and
	// store, serving as `kinetic provide --headless --register` does.
	prov := newServiceNode(t, ctx, dep, 10_000_000)
	penv, err := prov.conn.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listen := freeListen(t)
	if err := registerProvider(ctx, penv, providerInfo("http://"+listen, firstRunPrice, 0, nil)); err != nil {
		t.Fatal(err)
	}
	// Off the shared market again once the agent has stopped: a dead
	// endpoint left registered shows in every instance's Marketplace.
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := penv.chain.Deregister(dctx, prov.addr, penv.signer); err != nil {
			t.Errorf("deregister the test's provider: %v", err)
		}
	})
	agent, err := newProviderAgent(ctx, penv, prov.cfg.DataDir, provider.Config{Price: firstRunPrice, Version: Version, Logger: testLog(t),
		Policy: compute.Policy{AllowedImagePrefixes: []string{"kinetic-test/"}, MaxJobSeconds: compute.MaxJobSeconds},
		// The default window (100 rounds) runs out in seconds on a shared
		// DevMode LocalNet, a round per transaction, and the agent then
		// claims the payment itself before the user has looked at the job.
		DeadlineRounds: 50_000, WindowRounds: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	if _, err := agent.srv.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- agent.srv.ListenAndServe(serveCtx, listen) }()
	t.Cleanup(func() {
		stopServing()
		if err := <-served; err != nil {
			t.Errorf("provider agent: %v", err)
		}
	})
	for c, err := net.Dial("tcp", listen); ; c, err = net.Dial("tcp", listen) {
		if err == nil {
			c.Close()
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the provider agent does not listen on %s: %v", listen, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The new user's first start: an empty data dir on LocalNet.
	gui := &frUI{}
	base := test.NewTempApp(t)
	a := frApp{App: base, drv: frDriver{Driver: base.Driver(), ui: gui}}
	fyne.SetCurrentApp(a)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet, LocalNetDir: ln.Dir()}
	db, err := OpenStore(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := initStore(db); err != nil {
		t.Fatal(err)
	}
	log := testLog(t)
	svcs := newMarketServices(ctx, cfg, db, log)
	src := newStatusSource(cfg)
	t.Cleanup(src.Close)
	var w fyne.Window
	var screens mainScreens
	gui.do(func() {
		w, screens = newMainWindow(a, cfg, src, telemetry{s: testSampler(t)}, newSettingsService(db), svcs)
		w.Resize(fyne.NewSize(1100, 720))
		w.Show()
	})
	// The Jobs screen's refresh loop, as the app starts it; it stops
	// before the store closes.
	runCtx, stop := context.WithCancel(ctx)
	var loops sync.WaitGroup
	loops.Add(1)
	go func() { defer loops.Done(); screens.jobs.Run(runCtx, ui.DefaultRefreshInterval) }()
	t.Cleanup(func() {
		stop()
		loops.Wait()
		screens.jobs.Close()
		svcs.stopProviding(log)
		gui.do(w.Close)
	})
	var opened *wallet.Wallet
	opener := &walletOpener{db: db, cfg: cfg, screen: screens.wallet, log: log, endpoint: src.endpoint,
		opened:    func(wl *wallet.Wallet) { opened = wl; svcs.conn.setWallet(wl) },
		dispenser: localnet.New(cfg.LocalNetDir, nil).Dispenser}
	opener.open(ctx, nil)
	if opened == nil {
		gui.do(func() {
			t.Fatalf("the wallet did not open; the Wallet tab shows:\n%s", frTexts(screens.wallet.Content()))
		})
	}
	var tabs *container.AppTabs
	gui.do(func() {
		tabs = w.Content().(*container.AppTabs)
		tabs.Select(frTab(t, tabs, ui.TabWallet))
	})

	// First-run setup, step by step as its screens come.
	addr, fundTx := frOnboard(t, gui, screens.wallet.Content(), 2*time.Minute)
	t.Cleanup(func() {
		_ = opened.Delete(context.Background(), addr, wallet.DeleteOptions{Confirm: true, Force: true})
	})
	if info, err := node.AccountInformation(addr).Do(ctx); err != nil || info.Amount-info.Rewards != onboardingFunding {
		t.Fatalf("the new account %s holds %d µALGO (%v), want the %d the dispenser sent in %s", addr, info.Amount-info.Rewards, err, onboardingFunding, fundTx)
	}
	frWait(t, gui, 30*time.Second, "the Wallet tab showing the funded account", screens.wallet.Content(), func() bool {
		return frHasLabel(screens.wallet.Content(), "100.000000 ALGO")
	})

	// Submit job: the container template, on the test image, to the provider.
	var jobsTabs *container.AppTabs
	var form fyne.CanvasObject
	gui.do(func() {
		tabs.Select(frTab(t, tabs, ui.TabJobs))
		jobsTabs = tabs.Selected().Content.(*container.AppTabs)
		jobsTabs.Select(frTab(t, jobsTabs, "Submit job"))
		form = jobsTabs.Selected().Content
	})
	screens.submit.Load(ctx) // as the app does once the wallet opens
	gui.do(func() {
		frSelect(t, form, "Container command", "Container command")
		imageEntry := frEntryWithText(t, form, "busybox:1.36")
		imageEntry.SetText("")
		test.Type(imageEntry, image)
		// The provider's entry names it by its address's ends.
		frSelect(t, form, "Best match", prov.addr.String()[:6], prov.addr.String()[52:])
		test.Tap(frButton(t, form, "Submit and pay into escrow"))
	})

	// The Jobs tab: the job runs, finishes, its proof verifies.
	var list *widget.List
	var jobsView fyne.CanvasObject
	frWait(t, gui, 3*time.Minute, "the job listed in My jobs", w.Content(), func() bool {
		if jobsTabs.Selected().Text != "My jobs" {
			return false
		}
		jobsView = jobsTabs.Selected().Content
		list = frList(jobsView)
		return list != nil && list.Length() == 1
	})
	recs, err := svcs.jobs.Jobs(ctx)
	if err != nil || len(recs) != 1 || recs[0].Peer != prov.addr.String() || recs[0].Rate != firstRunPrice || recs[0].Image != image {
		t.Fatalf("jobs after submit: %+v, %v", recs, err)
	}
	id := recs[0].ID
	cid := contracts.JobID(id)
	var release *widget.Button
	opened0 := time.Time{}
	// Steps 1 to 8 verified; the ninth, the payment, waits for the release.
	frWait(t, gui, 3*time.Minute, "the job submitted, eight proof steps verified and Release enabled", jobsView, func() bool {
		if time.Since(opened0) > 3*time.Second { // open it again: the list row, clicked
			list.UnselectAll()
			list.Select(0)
			opened0 = time.Now()
		}
		release = frFindButton(jobsView, "Release payment")
		return release != nil && !release.Disabled() && frHasLabel(jobsView, string(ui.JobSubmitted)) &&
			frCount(jobsView, "verified") == 8 && frCount(jobsView, "waiting") == 1
	})
	box, err := chain.Job(ctx, cid)
	if err != nil || box.Status != contracts.JobSubmitted || box.Provider != prov.addr || box.BilledSeconds == 0 {
		t.Fatalf("escrow box before release: %+v, %v", box, err)
	}
	bill := box.Bill()
	if want := box.RatePerHour * box.BilledSeconds / 3600; bill != want || bill == 0 {
		t.Fatalf("bill %d, want %d for %d s at %d µALGO/h", bill, want, box.BilledSeconds, box.RatePerHour)
	}
	before, r0 := frBalance(t, ctx, node, prov.addr)

	// Release payment: the dialog first cancelled (nothing sent), then
	// confirmed.
	var confirm, cancel *widget.Button
	var text string
	ask := func() {
		gui.do(func() { test.Tap(release) })
		frWait(t, gui, time.Minute, "the release confirmation", jobsView, func() bool {
			top := w.Canvas().Overlays().Top()
			if top == nil {
				return false
			}
			confirm, cancel, text = frFindButton(top, "Release"), frFindButton(top, "Cancel"), frTexts(top)
			return confirm != nil && cancel != nil
		})
	}
	ask()
	gui.do(func() { test.Tap(cancel) })
	frWait(t, gui, 10*time.Second, "Nothing was sent.", jobsView, func() bool { return frHasLabel(jobsView, "Nothing was sent.") })
	if b, err := chain.Job(ctx, cid); err != nil || b.Status != contracts.JobSubmitted {
		t.Fatalf("escrow box after a cancelled release: %+v, %v; want it still submitted", b, err)
	}
	ask()
	for _, want := range []string{fmt.Sprintf("%d.%06d ALGO", bill/1_000_000, bill%1_000_000), prov.addr.String()} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation does not say %q:\n%s", want, text)
		}
	}
	gui.do(func() { test.Tap(confirm) })
	frWait(t, gui, 2*time.Minute, "Payment released.", jobsView, func() bool { return frHasLabel(jobsView, "Payment released.") })

	// The chain: no box, the provider paid the bill.
	if _, err := chain.Job(ctx, cid); !errors.Is(err, contracts.ErrNotFound) {
		t.Fatalf("escrow box after release: %v, want it gone", err)
	}
	after, r1 := frBalance(t, ctx, node, prov.addr)
	in, out, fees := frFlows(t, ctx, node, prov.addr, r0+1, r1)
	if in != bill {
		t.Errorf("the provider received %d µALGO in rounds %d-%d, want the bill %d", in, r0+1, r1, bill)
	}
	if int64(after)-int64(before) != int64(bill)-int64(out+fees) {
		t.Errorf("provider balance %d → %d (%+d), want the bill %d less its payments %d and fees %d", before, after,
			int64(after)-int64(before), bill, out, fees)
	}
	opened0 = time.Time{}
	frWait(t, gui, 30*time.Second, "the job released in My jobs", jobsView, func() bool {
		if time.Since(opened0) > 3*time.Second {
			list.UnselectAll()
			list.Select(0)
			opened0 = time.Now()
		}
		return frHasLabel(jobsView, string(ui.JobReleased))
	})
}

// frUI is the lock of the test's UI: the test driver runs a fyne.Do call
// on the goroutine that makes it, and the screens make them from their
// background goroutines, so the test's app runs each one under this lock,
// which the test holds while it reads or drives widgets. It is reentrant:
// a tap the test makes may call fyne.Do on the test's goroutine.
type frUI struct {
	mu    sync.Mutex
	owner atomic.Int64
	depth int
}

func (l *frUI) lock() {
	id := frGoroutine()
	if l.owner.Load() == id {
		l.depth++
		return
	}
	l.mu.Lock()
	l.owner.Store(id)
	l.depth = 1
}

func (l *frUI) unlock() {
	if l.depth--; l.depth == 0 {
		l.owner.Store(0)
		l.mu.Unlock()
	}
}

// do runs f under the lock.
func (l *frUI) do(f func()) {
	l.lock()
	defer l.unlock()
	f()
}

// frGoroutine is the calling goroutine's id, from its stack header
// ("goroutine 42 [running]:").
func frGoroutine() int64 {
	var b [64]byte
	f := strings.Fields(string(b[:runtime.Stack(b[:], false)]))
	id, _ := strconv.ParseInt(f[1], 10, 64)
	return id
}

// frApp is the test app with frDriver.
type frApp struct {
	fyne.App
	drv frDriver
}

// Driver implements fyne.App.
func (a frApp) Driver() fyne.Driver { return a.drv }

// frDriver runs fyne.Do calls under the test's UI lock.
type frDriver struct {
	fyne.Driver
	ui *frUI
}

// DoFromGoroutine implements fyne.Driver.
func (d frDriver) DoFromGoroutine(f func(), _ bool) { d.ui.do(f) }

// frTab is the tab titled title.
func frTab(t *testing.T, tabs *container.AppTabs, title string) *container.TabItem {
	t.Helper()
	for _, it := range tabs.Items {
		if it.Text == title {
			return it
		}
	}
	t.Fatalf("no tab %q", title)
	return nil
}

// frObjects are the visible objects under root, renderers' included.
func frObjects(root fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// frTexts is every label's and card title's text under root, a line each.
func frTexts(root fyne.CanvasObject) string {
	var b strings.Builder
	for _, o := range frObjects(root) {
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.Card:
			b.WriteString("[" + v.Title + "] " + v.Subtitle + "\n")
		case *widget.Button:
			b.WriteString("(" + v.Text + ")\n")
		}
	}
	return b.String()
}

// frHasLabel reports whether a visible label under root reads text.
func frHasLabel(root fyne.CanvasObject, text string) bool { return frCount(root, text) > 0 }

// frCount counts the visible labels under root that read text.
func frCount(root fyne.CanvasObject, text string) int {
	n := 0
	for _, o := range frObjects(root) {
		if l, ok := o.(*widget.Label); ok && l.Text == text {
			n++
		}
	}
	return n
}

// frFindButton is the visible button under root that reads text, or nil.
func frFindButton(root fyne.CanvasObject, text string) *widget.Button {
	for _, o := range frObjects(root) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// frButton is frFindButton that must find it.
func frButton(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	b := frFindButton(root, text)
	if b == nil {
		t.Fatalf("no button %q; the screen shows:\n%s", text, frTexts(root))
	}
	return b
}

// frList is the first list under root, or nil.
func frList(root fyne.CanvasObject) *widget.List {
	for _, o := range frObjects(root) {
		if l, ok := o.(*widget.List); ok {
			return l
		}
	}
	return nil
}

// frEntryWithText is the visible entry under root whose text is text.
func frEntryWithText(t *testing.T, root fyne.CanvasObject, text string) *widget.Entry {
	t.Helper()
	for _, o := range frObjects(root) {
		if e, ok := o.(*widget.Entry); ok && e.Text == text {
			return e
		}
	}
	t.Fatalf("no entry reading %q", text)
	return nil
}

// frSelect picks, in the select under root that offers an option
// starting with which, the option that contains every one of want, as a
// click on it does; it returns the option picked.
func frSelect(t *testing.T, root fyne.CanvasObject, which string, want ...string) string {
	t.Helper()
	for _, o := range frObjects(root) {
		s, ok := o.(*widget.Select)
		if !ok || !slices.ContainsFunc(s.Options, func(opt string) bool { return strings.HasPrefix(opt, which) }) {
			continue
		}
		for _, opt := range s.Options {
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(opt, w) }) {
				s.SetSelected(opt)
				return opt
			}
		}
		t.Fatalf("the select offers no %q: %q", want, s.Options)
	}
	t.Fatalf("no select offering %q", which)
	return ""
}

// frRadio picks option in the visible radio group under root that offers it.
func frRadio(t *testing.T, root fyne.CanvasObject, option string) {
	t.Helper()
	for _, o := range frObjects(root) {
		if r, ok := o.(*widget.RadioGroup); ok && slices.Contains(r.Options, option) {
			r.SetSelected(option)
			return
		}
	}
	t.Fatalf("no choice %q; the screen shows:\n%s", option, frTexts(root))
}

// frWait polls cond under the UI lock every 200 ms until it holds,
// failing after limit with what root shows.
func frWait(t *testing.T, gui *frUI, limit time.Duration, what string, root fyne.CanvasObject, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for {
		var ok bool
		gui.do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(end) {
			var shows string
			gui.do(func() { shows = frTexts(root) })
			t.Fatalf("waited %v for %s; the screen shows:\n%s", limit, what, shows)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// frCardTitle is the title of the first card under root.
func frCardTitle(root fyne.CanvasObject) (title, subtitle string) {
	for _, o := range frObjects(root) {
		if c, ok := o.(*widget.Card); ok {
			return c.Title, c.Subtitle
		}
	}
	return "", ""
}

// numberedWord reads "3. word" out of the setup's mnemonic label.
var numberedWord = regexp.MustCompile(`(\d+)\. +(\S+)`)

// frOnboard drives the first-run setup under root through whatever steps
// it shows (network, account, backup check, role, funding) and returns
// the new account's address and the dispenser's transaction.
func frOnboard(t *testing.T, gui *frUI, root fyne.CanvasObject, limit time.Duration) (addr, txid string) {
	t.Helper()
	gui.lock()
	defer gui.unlock()
	end := time.Now().Add(limit)
	last := ""
	pause := func() { gui.unlock(); time.Sleep(200 * time.Millisecond); gui.lock() }
	for time.Now().Before(end) {
		title, sub := frCardTitle(root)
		texts := frTexts(root)
		if strings.Contains(texts, "Could not") {
			t.Fatalf("the setup failed at %q:\n%s", title, texts)
		}
		step := title + "|" + texts
		if step == last { // still working on the last action
			pause()
			continue
		}
		if title != "" && !strings.HasPrefix(last, title+"|") {
			t.Logf("setup step: %s", title)
		}
		switch title {
		case "Choose a network":
			if frFindButton(root, "Continue") == nil {
				break // reading the saved network
			}
			frRadio(t, root, ui.NetworkLocalNet)
			test.Tap(frButton(t, root, "Continue"))
		case "Set up your wallet":
			test.Tap(frButton(t, root, "Create a new account"))
		case "Write down your recovery words":
			words := map[string]string{}
			for _, o := range frObjects(root) {
				if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace {
					for _, m := range numberedWord.FindAllStringSubmatch(l.Text, -1) {
						words[m[1]] = m[2]
					}
				}
			}
			if len(words) != 25 {
				t.Fatalf("the backup step shows %d numbered words, want 25", len(words))
			}
			for _, o := range frObjects(root) {
				f, ok := o.(*widget.Form)
				if !ok {
					continue
				}
				for _, it := range f.Items {
					n, found := strings.CutPrefix(it.Text, "Word ")
					if e, isEntry := it.Widget.(*widget.Entry); found && isEntry {
						test.Type(e, words[n])
					}
				}
			}
			clear(words)
			test.Tap(frButton(t, root, "I wrote it down — check"))
		case "What will you do with Kinetic?":
			frRadio(t, root, "Run jobs")
			test.Tap(frButton(t, root, "Continue"))
		case "Your account is ready":
			var funded string
			for _, o := range frObjects(root) {
				if l, ok := o.(*widget.Label); ok {
					if id, ok := strings.CutPrefix(l.Text, "Funded from the LocalNet dispenser · transaction "); ok {
						funded = id
					}
				}
			}
			if funded == "" {
				break // funding
			}
			if _, err := types.DecodeAddress(sub); err != nil {
				t.Fatalf("the last step's subtitle %q is not the new address: %v", sub, err)
			}
			for _, o := range frObjects(root) {
				if b, ok := o.(*widget.Button); ok && b.Importance == widget.HighImportance {
					test.Tap(b) // the way on: the Marketplace or the wallet
					return sub, funded
				}
			}
			t.Fatalf("the last step offers no way on:\n%s", texts)
		}
		last = step
		pause()
	}
	title, _ := frCardTitle(root)
	t.Fatalf("the setup did not finish in %v; it shows %q:\n%s", limit, title, frTexts(root))
	return "", ""
}

// frBalance is addr's balance less its participation rewards (DevMode
// pays them, not the market) and the round it was read at.
func frBalance(t *testing.T, ctx context.Context, c *algod.Client, addr types.Address) (uint64, uint64) {
	t.Helper()
	info, err := c.AccountInformation(addr.String()).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.Amount - info.Rewards, info.Round
}

// frFlows sums, over rounds from to to, the ALGO paid to and by addr
// (inner payments included) and the fees it paid.
func frFlows(t *testing.T, ctx context.Context, c *algod.Client, addr types.Address, from, to uint64) (in, out, fees uint64) {
	t.Helper()
	var visit func(tx types.Transaction, ad types.ApplyData)
	visit = func(tx types.Transaction, ad types.ApplyData) {
		if tx.Sender == addr {
			fees += uint64(tx.Fee)
		}
		if tx.Type == types.PaymentTx {
			if tx.Receiver == addr {
				in += uint64(tx.Amount)
			}
			if tx.CloseRemainderTo == addr {
				in += uint64(ad.ClosingAmount)
			}
			if tx.Sender == addr {
				out += uint64(tx.Amount) + uint64(ad.ClosingAmount)
			}
		}
		for _, itx := range ad.EvalDelta.InnerTxns {
			visit(itx.Txn, itx.ApplyData)
		}
	}
	for r := from; r <= to; r++ {
		blk, err := c.Block(r).Do(ctx)
		if err != nil {
			t.Fatalf("block %d: %v", r, err)
		}
		for _, st := range blk.Payset {
			visit(st.Txn, st.ApplyData)
		}
	}
	t.Logf("provider flows in rounds %d-%d: in %d, out %d, fees %d", from, to, in, out, fees)
	return in, out, fees
}
