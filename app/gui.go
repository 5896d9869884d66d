package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// processStart is when this process's packages were initialised, the
// origin of the start-up times the log reports.
var processStart = time.Now()

// runGUI opens the store (failing fast when another instance holds it) and
// the main window, and blocks until the app quits or ctx ends.
func runGUI(ctx context.Context, cfg Config, log *slog.Logger) error {
	db, err := OpenStore(cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := initStore(db); err != nil {
		return err
	}
	src := newStatusSource(cfg)
	defer src.Close()

	fyneapp.SetMetadata(metadata())
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(iconResource())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	applyTheme(a, a.Preferences().StringWithFallback(themePref, ui.ThemeSystem))
	svcs := newMarketServices(ctx, cfg, db, log)

	// The window paints its first frame with the navigation and the
	// Dashboard only; everything else is built and started once the app
	// runs (OnStarted comes after Show has painted), so that no screen, node,
	// engine or keyring call stands between the launch and that frame.
	dash := ui.NewDashboard(src)
	w, shell := newShellWindow(a, dash)
	if prefs, err := NewPreferenceStore(cfg.DataDir).Load(); err == nil {
		shell.Select(StartTab(prefs.Role)) // a provider opens on Provide, a consumer on the Marketplace
	}
	go dash.Run(ctx, ui.DefaultRefreshInterval)
	trayOK, reason := trayAvailable(ctx)
	tr := installTray(a, w, trayOK, reason, svcs.provider, cancel, log)
	notes := notifier{app: a, prefs: NewPreferenceStore(cfg.DataDir), log: log}
	if tr != nil {
		tr.notify = notes.send
	}
	var screens mainScreens
	stopAutopilot := func() {}
	a.Lifecycle().SetOnStarted(func() {
		screens = fillMainWindow(a, cfg, shell, dash, startTelemetry(ctx, compute.DefaultNVML()), newSettingsService(db), svcs, notes)
		log.Info("screens built", "since_start_ms", time.Since(processStart).Milliseconds())
		startBackground(ctx, cfg, db, log, src, svcs, screens, tr, func(tab string) { shell.Select(tab) })
		// Every job this data dir paid for is verified and settled (or
		// refunded) without the user, from the first wallet open on.
		stopAutopilot = startConsumerAutopilot(ctx, cfg, svcs.conn, log)
		if svcs.conn != nil {
			go watchLowFunds(ctx, svcs.conn, notes)
		}
	})
	defer func() {
		// The autopilot and the Jobs screen stop before the store closes.
		stopAutopilot()
		if screens.jobs != nil {
			screens.jobs.Close()
		}
	}()
	// On quit the agent stops serving before the store closes; its running
	// jobs are recovered at the next start.
	defer svcs.stopProviding(log)

	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	log.Info("window open", "network", cfg.Network.String(), "data_dir", cfg.DataDir, "since_start_ms", time.Since(processStart).Milliseconds())
	w.ShowAndRun()
	log.Info("quit")
	return nil
}

// startBackground starts the work the window's screens show: the
// LocalNet, the expired-container sweep, the wallet, the screens' refresh
// loops and the tray's, and once the wallet opens its history follower.
// navigate opens a tab by title, on the UI goroutine
// (the first-run setup's last step calls it from a button).
func startBackground(ctx context.Context, cfg Config, db *bbolt.DB, log *slog.Logger, src *statusSource, svcs marketServices, screens mainScreens, tr *tray, navigate func(string)) {
	var history sync.Once // the wallet's history follower, from its first open
	if cfg.Network == LocalNet && cfg.AlgodURL == "" {
		go startLocalNet(ctx, cfg, realLocalNetApps{}, log)
	}
	go reapAtStart(ctx, connectDocker, log, extendedDeadlines(db, log)...)
	go screens.settings.Load(ctx)
	go screens.provide.Run(ctx, telemetryInterval)
	opener := &walletOpener{db: db, cfg: cfg, screen: screens.wallet, log: log, endpoint: src.endpoint, navigate: navigate,
		opened: func(wl *wallet.Wallet) {
			svcs.conn.setWallet(wl)
			history.Do(func() {
				startHistory(ctx, cfg, db, wl, log, func() { screens.wallet.RefreshHistory(ctx) })
			})
			if screens.submit != nil {
				go screens.submit.Load(ctx) // the budget needs the account
			}
		}}
	if cfg.Network == LocalNet {
		opener.dispenser = localnet.New(cfg.LocalNetDir, nil).Dispenser
	}
	go opener.open(ctx, nil)
	go tr.Run(ctx, trayRefreshInterval)
	go screens.market.Load(ctx)
	if screens.jobs != nil {
		go screens.jobs.Run(ctx, ui.DefaultRefreshInterval)
		go screens.submit.Load(ctx)
	}
}

// newStatusSource wires the Dashboard's questions to the real components.
func newStatusSource(cfg Config) *statusSource {
	ln := localnet.New(cfg.LocalNetDir, nil)
	return &statusSource{
		network:  cfg.Network,
		endpoint: cfg.endpoint(ln.Endpoint),
		nvml:     compute.DefaultNVML,
		keyring:  newKeyringProbe(wallet.ProbeKeyring),
		apps:     deploymentStore(cfg).Load,
	}
}

// mainScreens are the screens whose background work runGUI starts.
type mainScreens struct {
	dash     *ui.Dashboard
	wallet   *ui.Wallet
	provide  *ui.Provide
	settings *ui.Settings
	market   *ui.Marketplace
	// jobs and submit are nil without a jobs source.
	jobs   *ui.Jobs
	submit *ui.Submit
}

// newMainWindow builds the main window with every screen in place and
// returns it with the screens whose refresh loops the caller starts.
// Without a provider service the Provide screen shows live telemetry and
// says that renting needs the agent; without a jobs source the Jobs tab
// says it needs the market.
func newMainWindow(a fyne.App, cfg Config, src ui.StatusSource, tel ui.TelemetrySource, set ui.SettingsService, svcs marketServices) (fyne.Window, mainScreens) {
	dash := ui.NewDashboard(src)
	w, shell := newShellWindow(a, dash)
	return w, fillMainWindow(a, cfg, shell, dash, tel, set, svcs, notifier{app: a, log: slog.New(slog.DiscardHandler)})
}

// newShellWindow is the main window as it first paints: the navigation
// with the Dashboard, the other tabs loading.
func newShellWindow(a fyne.App, dash *ui.Dashboard) (fyne.Window, *ui.Shell) {
	shell := ui.NewShell(dash)
	w := a.NewWindow(AppName)
	w.SetContent(shell.Tabs)
	w.Resize(fyne.NewSize(1100, 720))
	w.SetMaster()
	return w, shell
}

// fillMainWindow builds the screens other than the Dashboard and puts them
// in the shell's tabs; it runs on the UI goroutine.
func fillMainWindow(a fyne.App, cfg Config, shell *ui.Shell, dash *ui.Dashboard, tel ui.TelemetrySource, set ui.SettingsService, svcs marketServices, notes notifier) mainScreens {
	market := svcs.market
	if market == nil {
		market = newMarketplaceSource(cfg)
	}
	s := mainScreens{dash: dash, wallet: ui.NewWallet(), provide: ui.NewProvide(svcs.provider, tel),
		market: ui.NewMarketplace(market)}
	var jobsTab fyne.CanvasObject
	if svcs.jobs != nil {
		s.jobs = ui.NewJobs(svcs.jobs, func(title, body string) { notes.send(jobNoteKind(title), title, body) })
		s.submit = ui.NewSubmit(market, svcs.submitter, nil)
		jobsTab = ui.NewJobsTab(s.jobs, s.submit)
	}
	info := ui.SettingsInfo{
		DataDir:  cfg.DataDir,
		Network:  cfg.Network.String(),
		AlgodURL: cfg.AlgodURL,
		LogFile:  logPath(cfg.DataDir),
	}
	current := a.Preferences().StringWithFallback(themePref, ui.ThemeSystem)
	s.settings = ui.NewSettings(info, set, current, func(v string) { applyTheme(a, v) })
	shell.Fill(ui.Screens{
		Wallet: s.wallet.Content(), Provide: s.provide.Content(), Settings: s.settings.Content(),
		Marketplace: s.market.Content(), Jobs: jobsTab,
	})
	return s
}
