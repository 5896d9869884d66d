package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// envToken is the algod token the secret tests put in the environment.
const envToken = "tok-9f1c2e7a-must-never-print"

// TestAlgodTokenNeverPrinted sets the algod token in the environment and
// runs every path that prints usage, a flag error or a command error, then
// checks that neither stdout, stderr, the returned error nor the log file
// holds the token.
func TestAlgodTokenNeverPrinted(t *testing.T) {
	t.Setenv(EnvAlgodToken, envToken)
	cases := [][]string{
		{"-h"},
		{"--help"},
		{"--bogus"},
		{"--network", "betanet"},
		{"help"},
		{"frobnicate"},
		{"--network", "mainnet"}, // no URL: Validate's error
		{"verify", "-h"},
		{"verify", "--bogus"},
		{"verify"},
		{"gpus", "-h"},
		{"gpus", "--bogus"},
		{"localnet", "-h"},
		{"localnet", "--bogus"},
		{"localnet", "sideways"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			r, stdout, stderr := testRunner(t)
			var gotToken Secret
			r.gui = func(_ context.Context, cfg Config, log *slog.Logger) error {
				gotToken = cfg.AlgodToken
				log.Info("gui config", "config", cfg, "token", cfg.AlgodToken)
				return fmt.Errorf("gui refused config %v", cfg)
			}
			full := append([]string{"--data-dir", dir}, args...)
			if args[0] == "-h" || args[0] == "--help" || args[0] == "--bogus" {
				full = args
			}
			err := r.run(context.Background(), full)
			out := stdout.String() + stderr.String()
			if err != nil {
				out += "\nerror: " + err.Error() + fmt.Sprintf(" %+v %#v", err, err)
			}
			logged, _ := os.ReadFile(filepath.Join(dir, LogFile))
			out += string(logged)
			if strings.Contains(out, envToken) {
				t.Fatalf("the algod token was printed:\n%s", out)
			}
			if out == "" {
				t.Fatal("nothing printed: the case did not reach a usage or error path")
			}
			if gotToken != "" && string(gotToken) != envToken {
				t.Fatalf("the GUI got token %q, want the environment's", string(gotToken))
			}
		})
	}
}

// TestAlgodTokenReachesTheConfig checks that hiding the token does not
// lose it: the environment's value, or the flag's, is in the Config.
func TestAlgodTokenReachesTheConfig(t *testing.T) {
	t.Setenv(EnvAlgodToken, envToken)
	for _, tt := range []struct {
		args []string
		want string
	}{{nil, envToken}, {[]string{"--algod-token", "from-flag"}, "from-flag"}} {
		r, _, _ := testRunner(t)
		var got Config
		r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error { got = cfg; return nil }
		if err := r.run(context.Background(), append([]string{"--data-dir", t.TempDir()}, tt.args...)); err != nil {
			t.Fatal(err)
		}
		if string(got.AlgodToken) != tt.want {
			t.Errorf("args %q: token %q, want %q", tt.args, string(got.AlgodToken), tt.want)
		}
		if url, token, _ := (Config{AlgodURL: "http://n:1", AlgodToken: got.AlgodToken}).endpoint(nil)(); url != "http://n:1" || token != tt.want {
			t.Errorf("endpoint = %q %q, want the token itself", url, token)
		}
	}
}

func TestSecretRedactsEveryForm(t *testing.T) {
	s := Secret(envToken)
	cfg := Config{DataDir: "/d", AlgodURL: "http://n:1", AlgodToken: s}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "cfg", cfg, "tok", s)
	j, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	forms := []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %X %#v %+v", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), logged.String(), string(j),
	}
	for _, f := range forms {
		if strings.Contains(f, envToken) || strings.Contains(f, fmt.Sprintf("%x", envToken)) {
			t.Errorf("secret shown: %s", f)
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q, want [redacted]", got)
	}
	if got := fmt.Sprint(Secret("")); got != "" {
		t.Errorf("empty secret prints %q, want nothing", got)
	}
}

// helperSecretCrashEnv makes this test binary, run as a child, panic
// inside Run with its configuration in the panic value.
const helperSecretCrashEnv = "KINETIC_TEST_SECRET_CRASH_DATA_DIR"

// TestAlgodTokenNotInCrashOutput runs a child whose GUI panics with the
// configuration (token included) and checks neither the crash file nor
// the child's output holds the token.
func TestAlgodTokenNotInCrashOutput(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSecretCrash$")
	cmd.Env = append(os.Environ(), helperSecretCrashEnv+"="+dir, EnvAlgodToken+"="+envToken)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child did not crash:\n%s", out)
	}
	crash, err := os.ReadFile(filepath.Join(dir, CrashFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(crash), "panic: ") || !strings.Contains(string(crash), "[redacted]") {
		t.Fatalf("crash file lacks the panic with the redacted config:\n%s", crash)
	}
	if strings.Contains(string(crash)+string(out), envToken) {
		t.Fatalf("the token is in the crash output:\n%s\n%s", crash, out)
	}
}

// TestHelperSecretCrash is not a test: run as a child by
// TestAlgodTokenNotInCrashOutput.
func TestHelperSecretCrash(t *testing.T) {
	dir := os.Getenv(helperSecretCrashEnv)
	if dir == "" {
		// Not a test on its own: it is the child process that another test
		// re-executes with the variable set; run directly it does nothing
		// (and neither skips nor fails).
		return
	}
	r, _, _ := testRunner(t)
	r.gui = func(_ context.Context, cfg Config, _ *slog.Logger) error {
		go func() { panic(fmt.Sprintf("kinetic test crash with %+v", cfg)) }()
		select {}
	}
	_ = r.run(context.Background(), []string{"--data-dir", dir})
}
