package app

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fakeLocalNet is a localNetManager whose methods are function fields.
type fakeLocalNet struct {
	up     func(context.Context) (localnet.Status, error)
	down   func(context.Context) error
	status func(context.Context) (localnet.Status, error)
	reset  func(context.Context) (localnet.Status, error)
}

func (f *fakeLocalNet) Up(ctx context.Context) (localnet.Status, error)     { return f.up(ctx) }
func (f *fakeLocalNet) Down(ctx context.Context) error                      { return f.down(ctx) }
func (f *fakeLocalNet) Status(ctx context.Context) (localnet.Status, error) { return f.status(ctx) }
func (f *fakeLocalNet) Reset(ctx context.Context) (localnet.Status, error)  { return f.reset(ctx) }

// fakeApps is a localNetApps with one fixed deployment, or err.
type fakeApps struct{ err error }

var fakeDeployment = contracts.Deployment{Network: "kinetic-local-v1", GenesisHash: "aGFzaA==",
	Apps: contracts.AppIDs{Registry: 1001, Escrow: 1002, Badge: 1003}, Creator: "CREATOR"}

func (f fakeApps) Ensure(context.Context, string) (contracts.Deployment, error) {
	return fakeDeployment, f.err
}

func (f fakeApps) Lookup(_, gh string) (contracts.Deployment, bool, error) {
	return fakeDeployment, gh == fakeDeployment.GenesisHash, f.err
}

var runningStatus = localnet.Status{
	Running: true, Dir: "/ln", URL: "http://127.0.0.1:4001", PID: 42,
	GenesisID: "kinetic-local-v1", GenesisHash: "aGFzaA==", LastRound: 7,
}

func newFakeLocalNet() *fakeLocalNet {
	stopped := localnet.Status{Dir: "/ln"}
	return &fakeLocalNet{
		up:     func(context.Context) (localnet.Status, error) { return runningStatus, nil },
		down:   func(context.Context) error { return nil },
		status: func(context.Context) (localnet.Status, error) { return stopped, nil },
		reset:  func(context.Context) (localnet.Status, error) { return runningStatus, nil },
	}
}

func TestRunLocalNet(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		breaks    func(*fakeLocalNet)
		deployErr error
		wantOut   string
		wantErr   string
	}{
		{name: "up", args: []string{"up"}, wantOut: runningStatus.String() + "\n" + describeApps(fakeDeployment)},
		{name: "down", args: []string{"down"}, wantOut: "LocalNet stopped (dir /ln)"},
		{name: "status", args: []string{"status"}, wantOut: "LocalNet stopped (dir /ln)"},
		{
			name: "status running", args: []string{"status"},
			breaks: func(f *fakeLocalNet) {
				f.status = func(context.Context) (localnet.Status, error) { return runningStatus, nil }
			},
			wantOut: runningStatus.String() + "\n" + describeApps(fakeDeployment),
		},
		{
			name: "status running, nothing deployed", args: []string{"status"},
			breaks: func(f *fakeLocalNet) {
				st := runningStatus
				st.GenesisHash = "b3RoZXI="
				f.status = func(context.Context) (localnet.Status, error) { return st, nil }
			},
			wantOut: func() string {
				st := runningStatus
				st.GenesisHash = "b3RoZXI="
				return st.String() + "\ncontracts: not deployed on this LocalNet (run 'kinetic localnet up')"
			}(),
		},
		{name: "reset", args: []string{"reset"}, wantOut: runningStatus.String() + "\n" + describeApps(fakeDeployment)},
		{
			name: "up, deploy fails", args: []string{"up"}, deployErr: errors.New("dispenser: LocalNet is not running"),
			wantErr: "localnet up: dispenser: LocalNet is not running",
		},
		{name: "no subcommand", args: nil, wantErr: localNetUsage},
		{name: "two subcommands", args: []string{"up", "down"}, wantErr: localNetUsage},
		{name: "unknown subcommand", args: []string{"start"}, wantErr: `unknown localnet command "start"`},
		{
			name: "up fails", args: []string{"up"},
			breaks: func(f *fakeLocalNet) {
				f.up = func(context.Context) (localnet.Status, error) { return localnet.Status{}, localnet.ErrPortInUse }
			},
			wantErr: "localnet up: port in use by another process",
		},
		{
			name: "down fails", args: []string{"down"},
			breaks: func(f *fakeLocalNet) {
				f.down = func(context.Context) error { return errors.New("kill: permission denied") }
			},
			wantErr: "localnet down: kill: permission denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeLocalNet()
			apps := fakeApps{}
			if tt.deployErr != nil {
				apps.err = tt.deployErr
			}
			if tt.breaks != nil {
				tt.breaks(fake)
			}
			r, stdout, _ := testRunner(t)
			r.apps = apps
			var gotDir string
			r.newLocalNet = func(dir string, progress io.Writer) localNetManager {
				gotDir = dir
				return fake
			}
			args := append([]string{"--data-dir", t.TempDir(), "--localnet-dir", "/ln", "localnet"}, tt.args...)
			err := r.run(context.Background(), args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if gotDir != "/ln" {
				t.Errorf("manager dir = %q, want /ln", gotDir)
			}
			if got := strings.TrimSpace(stdout.String()); got != tt.wantOut {
				t.Fatalf("stdout = %q, want %q", got, tt.wantOut)
			}
		})
	}
}

func TestRunLocalNetErrorsMatchSentinels(t *testing.T) {
	fake := newFakeLocalNet()
	fake.status = func(context.Context) (localnet.Status, error) { return localnet.Status{}, localnet.ErrNotRunning }
	r, _, _ := testRunner(t)
	r.newLocalNet = func(string, io.Writer) localNetManager { return fake }
	err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), "localnet", "status"})
	if !errors.Is(err, localnet.ErrNotRunning) {
		t.Fatalf("err = %v, want it to wrap ErrNotRunning", err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestRunLocalNetUpTwiceOnRealNode runs `kinetic localnet up` twice and
// `status` against the real LocalNet: the second up changes nothing (same
// node process) and status reports the round.
func TestRunLocalNetUpTwiceOnRealNode(t *testing.T) {
	m := testkit.LocalNet(t)
	ctx := testkit.Context(t, 2*time.Minute)
	run := func(sub string) string {
		t.Helper()
		r, stdout, _ := testRunner(t)
		r.newLocalNet = func(dir string, progress io.Writer) localNetManager { return localnet.New(dir, progress) }
		r.apps = realLocalNetApps{}
		args := []string{"--data-dir", t.TempDir(), "--localnet-dir", m.Dir(), "localnet", sub}
		if err := r.run(ctx, args); err != nil {
			t.Fatalf("localnet %s: %v", sub, err)
		}
		return strings.TrimSpace(stdout.String())
	}
	before, err := m.Status(ctx)
	if err != nil || !before.Running {
		t.Fatalf("LocalNet not running: %+v, %v", before, err)
	}
	first, second := run("up"), run("up")
	after, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.PID != before.PID {
		t.Fatalf("up restarted the node: pid %d → %d", before.PID, after.PID)
	}
	for _, out := range []string{first, second} {
		if !strings.HasPrefix(out, "LocalNet running: ") || !strings.Contains(out, "pid "+strconv.Itoa(before.PID)) {
			t.Fatalf("up printed %q", out)
		}
	}
	// The contracts are deployed by the first up (or an earlier one) and the
	// second finds the same live apps instead of deploying again.
	firstApps, secondApps := lastLine(first), lastLine(second)
	if !strings.HasPrefix(firstApps, "contracts on kinetic-local-v1: Registry app ") || firstApps != secondApps {
		t.Fatalf("deployments differ or are missing:\n%s\n%s", firstApps, secondApps)
	}
	dep, ok, err := realLocalNetApps{}.Lookup(m.Dir(), after.GenesisHash)
	if err != nil || !ok {
		t.Fatalf("no recorded deployment: %v", err)
	}
	if err := contracts.CheckNetwork(ctx, testkit.Algod(t), dep); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]uint64{"Registry": dep.Apps.Registry, "Escrow": dep.Apps.Escrow, "BadgeMinter": dep.Apps.Badge} {
		if _, err := testkit.Algod(t).GetApplicationByID(id).Do(ctx); err != nil {
			t.Errorf("%s app %d not on chain: %v", name, id, err)
		}
	}
	status := run("status")
	if !strings.Contains(status, "round ") || !strings.Contains(status, after.GenesisID) || lastLine(status) != firstApps {
		t.Fatalf("status printed %q, want the round, genesis id and apps", status)
	}
}
