package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testRunner returns a runner writing to buffers, with a GUI that records
// the configuration it was opened with, and no LocalNet manager (tests that
// need one set it).
func testRunner(t *testing.T) (*runner, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	r := &runner{
		stdout: &stdout,
		stderr: &stderr,
		gui: func(context.Context, Config, *slog.Logger) error {
			return errors.New("test: no GUI")
		},
		newLocalNet: func(string, io.Writer) localNetManager {
			t.Fatal("test: unexpected LocalNet manager")
			return nil
		},
		apps: fakeApps{},
	}
	return r, &stdout, &stderr
}

func TestRunParsesFlagsIntoConfig(t *testing.T) {
	t.Setenv(EnvAlgodURL, "")
	t.Setenv(EnvAlgodToken, "")
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{{
		name: "defaults to LocalNet",
		args: []string{"--data-dir", dir},
		want: Config{DataDir: dir, Network: LocalNet},
	}, {
		name: "testnet with url and token",
		args: []string{"--data-dir", dir, "--network", "TestNet", "--algod-url", "http://node:8080", "--algod-token", "tok"},
		want: Config{DataDir: dir, Network: TestNet, AlgodURL: "http://node:8080", AlgodToken: "tok"},
	}, {
		name: "url and token from the environment",
		args: []string{"--data-dir", dir, "--network", "custom"},
		env:  map[string]string{EnvAlgodURL: "http://10.1.1.1:4001", EnvAlgodToken: "envtok"},
		want: Config{DataDir: dir, Network: Custom, AlgodURL: "http://10.1.1.1:4001", AlgodToken: "envtok"},
	}, {
		name:    "mainnet needs a url",
		args:    []string{"--data-dir", dir, "--network", "mainnet"},
		wantErr: "no algod URL configured for MainNet: pass --algod-url",
	}, {
		name:    "unknown network",
		args:    []string{"--data-dir", dir, "--network", "betanet"},
		wantErr: `unknown network "betanet"`,
	}, {
		name:    "unknown command",
		args:    []string{"--data-dir", dir, "frobnicate"},
		wantErr: `unknown command "frobnicate"`,
	}, {
		name:    "empty data dir",
		args:    []string{"--data-dir", ""},
		wantErr: "no data directory",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r, _, _ := testRunner(t)
			var got Config
			r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error { got = cfg; return nil }
			err := r.run(context.Background(), tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.LocalNetDir = ""
			if got.Prefs != DefaultPreferences() {
				t.Errorf("prefs = %+v, want the defaults (no preferences file)", got.Prefs)
			}
			got.Prefs = Preferences{}
			if got != tt.want {
				t.Fatalf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunDefaultDataDirIsUnderUserConfigDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	r, _, _ := testRunner(t)
	var got Config
	r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error { got = cfg; return nil }
	if err := r.run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "cfg", "kinetic"); got.DataDir != want {
		t.Fatalf("data dir = %q, want %q", got.DataDir, want)
	}
}

func TestRunWritesLogInDataDir(t *testing.T) {
	dir := t.TempDir()
	r, _, stderr := testRunner(t)
	r.gui = func(_ context.Context, _ Config, log *slog.Logger) error {
		log.Info("hello from the gui", "n", 1)
		return nil
	}
	if err := r.run(context.Background(), []string{"--data-dir", dir, "--algod-token", "s3cret-token"}); err != nil {
		t.Fatal(err)
	}
	logged, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"msg":"start"`, `"msg":"hello from the gui"`} {
		if !strings.Contains(string(logged), want) {
			t.Errorf("log file lacks %s:\n%s", want, logged)
		}
	}
	if !strings.Contains(stderr.String(), "hello from the gui") {
		t.Errorf("stderr lacks the GUI's log line: %q", stderr)
	}
	if strings.Contains(string(logged)+stderr.String(), "s3cret-token") {
		t.Error("the algod token was logged")
	}
	if _, err := os.Stat(filepath.Join(dir, CrashFile)); err != nil {
		t.Errorf("crash file: %v", err)
	}
}

// helperCrashEnv makes this test binary, run as a child, panic inside Run.
const helperCrashEnv = "KINETIC_TEST_CRASH_DATA_DIR"

// TestRunKeepsCrashOutput runs a child that panics inside Run and checks
// the panic landed in the data directory's crash file.
func TestRunKeepsCrashOutput(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrash$")
	cmd.Env = append(os.Environ(), helperCrashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child did not crash:\n%s", out)
	}
	crash, err := os.ReadFile(filepath.Join(dir, CrashFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(crash), "panic: kinetic test crash") || !strings.Contains(string(crash), "goroutine") {
		t.Fatalf("crash file lacks the panic and its stack:\n%s", crash)
	}
}

// TestHelperCrash is not a test: run as a child by TestRunKeepsCrashOutput.
func TestHelperCrash(t *testing.T) {
	dir := os.Getenv(helperCrashEnv)
	if dir == "" {
		// Not a test on its own: it is the child process that another test
		// re-executes with the variable set; run directly it does nothing
		// (and neither skips nor fails).
		return
	}
	r, _, _ := testRunner(t)
	r.gui = func(context.Context, Config, *slog.Logger) error {
		go func() { panic("kinetic test crash") }() // unrecovered: the process dies
		select {}
	}
	_ = r.run(context.Background(), []string{"--data-dir", dir})
}
