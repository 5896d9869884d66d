package app

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestStartLocalNetForGUI(t *testing.T) {
	m := testkit.LocalNet(t)
	tests := []struct {
		name    string
		dir     string
		apps    localNetApps
		wantLog string
	}{
		{"running node, apps deployed", m.Dir(), fakeApps{}, `"msg":"LocalNet ready"`},
		{"deploy fails", m.Dir(), fakeApps{err: errors.New("no dispenser")}, `"msg":"contracts not deployed on LocalNet","err":"no dispenser"`},
		// Another directory while the shared node holds the port: a clear
		// error in the log, not a hang.
		{"port held", filepath.Join(t.TempDir(), "other"), fakeApps{}, "port in use by another process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			cfg := Config{Network: LocalNet, LocalNetDir: tt.dir}
			startLocalNet(testkit.Context(t, time.Minute), cfg, tt.apps, log)
			if !strings.Contains(buf.String(), tt.wantLog) {
				t.Fatalf("log = %s\nwant it to contain %s", buf.String(), tt.wantLog)
			}
		})
	}
}

func TestDeploymentStorePerNetwork(t *testing.T) {
	local := deploymentStore(Config{Network: LocalNet, LocalNetDir: "/ln", DataDir: "/data"})
	other := deploymentStore(Config{Network: TestNet, DataDir: "/data", AlgodURL: "http://node"})
	custom := deploymentStore(Config{Network: LocalNet, LocalNetDir: "/ln", DataDir: "/data", AlgodURL: "http://elsewhere"})
	for name, tt := range map[string]struct {
		got  any
		want string
	}{
		"localnet": {local, "/ln/" + localNetAppsFile},
		"testnet":  {other, "/data/deployments.json"},
		"custom":   {custom, "/data/deployments.json"},
	} {
		if got := storePath(tt.got); got != tt.want {
			t.Errorf("%s: store at %q, want %q", name, got, tt.want)
		}
	}
}

func storePath(s any) string {
	p, ok := s.(interface{ Path() string })
	if !ok {
		return "(not a file store)"
	}
	return p.Path()
}
