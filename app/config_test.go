package app

import (
	"errors"
	"strings"
	"testing"
)

func TestParseNetwork(t *testing.T) {
	tests := []struct {
		in      string
		want    Network
		display string
		wantErr bool
	}{
		{"localnet", LocalNet, "LocalNet", false},
		{"TestNet", TestNet, "TestNet", false},
		{" MAINNET ", MainNet, "MainNet", false},
		{"custom", Custom, "Custom", false},
		{"betanet", "", "", true},
		{"", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseNetwork(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseNetwork(%q) err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want || (!tt.wantErr && got.String() != tt.display) {
			t.Errorf("ParseNetwork(%q) = %q (%s), want %q (%s)", tt.in, got, got, tt.want, tt.display)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"localnet needs no url", Config{DataDir: "/d", Network: LocalNet}, nil},
		{"testnet without url", Config{DataDir: "/d", Network: TestNet}, ErrNoEndpoint},
		{"mainnet without url", Config{DataDir: "/d", Network: MainNet}, ErrNoEndpoint},
		{"custom without url", Config{DataDir: "/d", Network: Custom}, ErrNoEndpoint},
		{"testnet with url", Config{DataDir: "/d", Network: TestNet, AlgodURL: "http://n:1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
	if err := (Config{Network: LocalNet}).Validate(); err == nil {
		t.Error("a config without a data dir validated")
	}
}

func TestConfigEndpoint(t *testing.T) {
	lnUp := func() (string, string, error) { return "http://127.0.0.1:4001", "lntoken", nil }
	lnDown := func() (string, string, error) { return "", "", errors.New("algod.net: no such file") }
	tests := []struct {
		name      string
		cfg       Config
		localnet  endpointFunc
		wantURL   string
		wantToken string
		wantErr   string
	}{
		{"localnet from manager", Config{Network: LocalNet}, lnUp, "http://127.0.0.1:4001", "lntoken", ""},
		{"localnet down", Config{Network: LocalNet}, lnDown, "", "", "LocalNet is not running (start it with 'kinetic localnet up')"},
		{"localnet overridden", Config{Network: LocalNet, AlgodURL: "http://x:1", AlgodToken: "t"}, lnDown, "http://x:1", "t", ""},
		{"testnet configured", Config{DataDir: "/d", Network: TestNet, AlgodURL: "http://tn:443"}, lnUp, "http://tn:443", "", ""},
		{"testnet unconfigured", Config{DataDir: "/d", Network: TestNet}, lnUp, "", "", "no algod URL configured for TestNet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, token, err := tt.cfg.endpoint(tt.localnet)()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || url != tt.wantURL || token != tt.wantToken {
				t.Fatalf("endpoint = %q, %q, %v; want %q, %q", url, token, err, tt.wantURL, tt.wantToken)
			}
		})
	}
}
