// Package localnet manages Kinetic's LocalNet: a single-node DevMode algod
// network on 127.0.0.1:4001 (one block per transaction group, no waiting),
// built from the pinned go-algorand source the first time it is needed and
// cached under the user cache directory by version. It exposes a dispenser
// (the genesis account) that can fund any address.
//
// Every operation is idempotent: Up on a running network and Down on a
// stopped one do nothing. A stale PID file is cleaned up; a port held by
// another process is reported as such instead of hanging.
//
// The manager only ever deletes a directory it made: it writes a marker
// (MarkerFile) when it creates the network, and refuses, with ErrNotOwned,
// to create a network in or reset any other non-empty directory. LocalNet
// runs on Linux and macOS; elsewhere Up and Reset return ErrUnsupported.
package localnet

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
)

// AlgodVersion is the go-algorand module version LocalNet is built from.
const AlgodVersion = "v0.0.0-20260819145311-dd6de88fbe0e"

// NetworkName is the genesis network name of LocalNet.
const NetworkName = "kinetic-local"

// Addr is the REST address LocalNet's algod listens on.
const Addr = "127.0.0.1:4001"

// DirEnv overrides the default network directory.
const DirEnv = "KINETIC_LOCALNET_DIR"

// BinEnv names a directory holding prebuilt algod, goal and kmd binaries.
const BinEnv = "KINETIC_ALGOD_BIN"

//go:embed build-algod.sh
var buildScript []byte

// template is the goal network template: DevMode, one offline genesis
// wallet (DevMode needs no participation keys, which keeps creation instant).
const template = `{"Genesis":{"NetworkName":"` + NetworkName + `","DevMode":true,` +
	`"Wallets":[{"Name":"Dispenser","Stake":100,"Online":false}]},` +
	`"Nodes":[{"Name":"Node","IsRelay":false,"Wallets":[{"Name":"Dispenser","ParticipationOnly":false}]}]}`

// ErrPortInUse reports that LocalNet's port is held by a process that is not
// this LocalNet's algod.
var ErrPortInUse = errors.New("port in use by another process")

// ErrNotRunning reports an operation that needs a running LocalNet.
var ErrNotRunning = errors.New("LocalNet is not running")

// ErrUnsupported reports a system that cannot run LocalNet (Windows): its
// algod is built from source with a Unix toolchain and managed with Unix
// signals. Such a system uses TestNet.
var ErrUnsupported = errors.New("LocalNet needs Linux or macOS")

// Status describes a LocalNet network directory and its node.
type Status struct {
	Running     bool   // algod answers on its REST port
	Dir         string // network directory
	URL         string // REST base URL, e.g. http://127.0.0.1:4001
	PID         int    // algod process id, 0 when not running
	GenesisID   string // e.g. kinetic-local-v1
	GenesisHash string // base64
	LastRound   uint64
}

// String renders the status for the CLI.
func (s Status) String() string {
	if !s.Running {
		return fmt.Sprintf("LocalNet stopped (dir %s)", s.Dir)
	}
	return fmt.Sprintf("LocalNet running: %s genesis %s (%s), round %d, pid %d, dir %s",
		s.URL, s.GenesisID, s.GenesisHash, s.LastRound, s.PID, s.Dir)
}

// Manager controls one LocalNet network directory.
type Manager struct {
	dir      string
	progress io.Writer

	mu        sync.Mutex
	binDir    string
	dispenser *crypto.Account
}

// DefaultDir returns $KINETIC_LOCALNET_DIR, or the "kinetic/localnet"
// directory under the user's data directory.
func DefaultDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "kinetic", "localnet"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("localnet: no home directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "kinetic", "localnet"), nil
}

// New returns a manager for the network in dir. Progress of slow steps (the
// first build takes minutes) is written to progress, which may be nil.
func New(dir string, progress io.Writer) *Manager {
	if progress == nil {
		progress = io.Discard
	}
	return &Manager{dir: dir, progress: progress}
}

// Dir returns the network directory.
func (m *Manager) Dir() string { return m.dir }

func (m *Manager) nodeDir() string { return filepath.Join(m.dir, "Node") }

// Endpoint returns the REST URL and API token of the node, read from the
// files algod writes when it starts.
func (m *Manager) Endpoint() (url, token string, err error) {
	netb, err := os.ReadFile(filepath.Join(m.nodeDir(), "algod.net"))
	if err != nil {
		return "", "", fmt.Errorf("localnet: %w: %w", ErrNotRunning, err)
	}
	tok, err := os.ReadFile(filepath.Join(m.nodeDir(), "algod.token"))
	if err != nil {
		return "", "", fmt.Errorf("localnet: read token: %w", err)
	}
	return "http://" + strings.TrimSpace(string(netb)), strings.TrimSpace(string(tok)), nil
}

// Client returns an algod client for the running node.
func (m *Manager) Client() (*algod.Client, error) {
	url, token, err := m.Endpoint()
	if err != nil {
		return nil, err
	}
	c, err := algod.MakeClient(url, token)
	if err != nil {
		return nil, fmt.Errorf("localnet: algod client: %w", err)
	}
	return c, nil
}

// Status reports whether the node runs and, if so, its chain identity and
// last round. It never starts anything.
func (m *Manager) Status(ctx context.Context) (Status, error) {
	st := Status{Dir: m.dir}
	pid, alive := m.pid()
	if !alive {
		return st, nil
	}
	st.PID = pid
	c, err := m.Client()
	if err != nil {
		return st, nil
	}
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := c.Status().Do(qctx)
	if err != nil {
		return st, nil
	}
	params, err := c.SuggestedParams().Do(qctx)
	if err != nil {
		return st, nil
	}
	st.Running = true
	st.URL, _, _ = m.Endpoint()
	st.LastRound = s.LastRound
	st.GenesisID = params.GenesisID
	st.GenesisHash = b64(params.GenesisHash)
	return st, nil
}

// pid returns algod's PID from its PID file and whether that process lives.
func (m *Manager) pid() (int, bool) {
	b, err := os.ReadFile(filepath.Join(m.nodeDir(), "algod.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, processAlive(pid)
}

// Up creates the network if needed, starts the node if it is not running and
// waits until it answers. Calling Up on a running network does nothing.
func (m *Manager) Up(ctx context.Context) (Status, error) {
	if st, err := m.Status(ctx); err == nil && st.Running {
		return st, nil
	}
	if err := supported(); err != nil {
		return Status{Dir: m.dir}, err
	}
	// Refuse a directory that is not ours before touching anything in it.
	if _, err := m.inspectDir(); err != nil {
		return Status{Dir: m.dir}, err
	}
	if pid, alive := m.pid(); !alive {
		if pid != 0 {
			fmt.Fprintf(m.progress, "localnet: removing stale PID file (pid %d is gone)\n", pid)
		}
		for _, f := range []string{"algod.pid", "algod.net", "algod-listen.net"} {
			_ = os.Remove(filepath.Join(m.nodeDir(), f))
		}
	} else {
		return Status{Dir: m.dir, PID: pid}, fmt.Errorf("localnet: algod (pid %d) runs but does not answer; run 'kinetic localnet down' or 'reset'", pid)
	}
	if portOpen(Addr) {
		return Status{Dir: m.dir}, fmt.Errorf("localnet: %s: %w (not the LocalNet in %s); stop it or run that LocalNet's 'kinetic localnet down'", Addr, ErrPortInUse, m.dir)
	}
	bin, err := m.Binaries(ctx)
	if err != nil {
		return Status{Dir: m.dir}, err
	}
	if err := m.create(ctx, bin); err != nil {
		return Status{Dir: m.dir}, err
	}
	fmt.Fprintf(m.progress, "localnet: starting algod in %s\n", m.dir)
	if out, err := m.goal(ctx, bin, "network", "start", "-r", m.dir); err != nil {
		return Status{Dir: m.dir}, fmt.Errorf("localnet: goal network start: %w: %s", err, out)
	}
	return m.waitRunning(ctx, 30*time.Second)
}

func (m *Manager) waitRunning(ctx context.Context, limit time.Duration) (Status, error) {
	deadline := time.Now().Add(limit)
	for {
		st, err := m.Status(ctx)
		if err == nil && st.Running {
			return st, nil
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("localnet: algod did not answer within %s (see %s)", limit, filepath.Join(m.nodeDir(), "node.log"))
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// create makes the DevMode network directory unless it holds one. It
// never removes a directory it did not make (see inspectDir): a half-made
// network of its own is removed and made again, a directory holding
// anything else is refused with ErrNotOwned.
func (m *Manager) create(ctx context.Context, bin string) error {
	st, err := m.inspectDir()
	if err != nil {
		return err
	}
	switch st {
	case dirNetwork:
		return nil
	case dirHalfMade:
		fmt.Fprintf(m.progress, "localnet: removing the unfinished network in %s\n", m.dir)
		if err := os.RemoveAll(m.dir); err != nil {
			return fmt.Errorf("localnet: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(m.dir), 0o700); err != nil {
		return fmt.Errorf("localnet: %w", err)
	}
	// The claim is written first, next to the directory: goal wants the
	// network directory empty, and records absolute paths (kmd's wallet
	// dir) at creation, so the network is created in place. It is removed
	// once the marker is inside.
	if err := os.WriteFile(m.creatingMarker(), []byte(markerText), 0o600); err != nil {
		return fmt.Errorf("localnet: %w", err)
	}
	defer os.Remove(m.creatingMarker())
	tpl, err := writeTemplate()
	if err != nil {
		return err
	}
	defer os.Remove(tpl)
	fmt.Fprintf(m.progress, "localnet: creating DevMode network %q in %s\n", NetworkName, m.dir)
	if out, err := m.goal(ctx, bin, "network", "create", "-r", m.dir, "-n", NetworkName, "-t", tpl); err != nil {
		_ = os.RemoveAll(m.dir)
		return fmt.Errorf("localnet: goal network create: %w: %s", err, out)
	}
	if err := m.writeMarker(); err != nil {
		_ = os.RemoveAll(m.dir)
		return err
	}
	if err := patchConfig(filepath.Join(m.nodeDir(), "config.json")); err != nil {
		_ = os.RemoveAll(m.dir)
		return err
	}
	return nil
}

// writeTemplate writes the network template to a temporary file and
// returns its path.
func writeTemplate() (string, error) {
	f, err := os.CreateTemp("", "kinetic-localnet-template-*.json")
	if err != nil {
		return "", fmt.Errorf("localnet: %w", err)
	}
	_, err = f.WriteString(template)
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("localnet: template: %w", err)
	}
	return f.Name(), nil
}

// Down stops the node and its kmd. Down on a stopped network does nothing.
func (m *Manager) Down(ctx context.Context) error {
	if _, err := os.Stat(m.nodeDir()); err != nil {
		return nil
	}
	pid, alive := m.pid()
	if !alive {
		return nil
	}
	bin, err := m.Binaries(ctx)
	if err != nil {
		return err
	}
	_, _ = m.goal(ctx, bin, "kmd", "stop", "-d", m.nodeDir())
	if out, err := m.goal(ctx, bin, "network", "stop", "-r", m.dir); err != nil {
		return fmt.Errorf("localnet: goal network stop: %w: %s", err, out)
	}
	for i := 0; i < 50; i++ {
		if !processAlive(pid) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.mu.Lock()
	m.dispenser = nil
	m.mu.Unlock()
	return nil
}

// Reset stops the node, deletes the network (every account and app on it)
// and creates and starts a fresh one. It deletes only a directory this
// manager made (see MarkerFile); any other non-empty directory is refused
// with ErrNotOwned, before anything is stopped or removed.
func (m *Manager) Reset(ctx context.Context) (Status, error) {
	if err := supported(); err != nil {
		return Status{Dir: m.dir}, err
	}
	if _, err := m.inspectDir(); err != nil {
		return Status{Dir: m.dir}, err
	}
	if err := m.Down(ctx); err != nil {
		return Status{Dir: m.dir}, err
	}
	if err := m.removeOwned(); err != nil {
		return Status{Dir: m.dir}, err
	}
	return m.Up(ctx)
}

func (m *Manager) goal(ctx context.Context, bin string, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, filepath.Join(bin, "goal"), args...)
	cmd.Env = append(os.Environ(), "ALGORAND_DATA=")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
