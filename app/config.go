package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Network is a chain preset.
type Network string

// The network presets. LocalNet is the default.
const (
	LocalNet Network = "localnet"
	TestNet  Network = "testnet"
	MainNet  Network = "mainnet"
	Custom   Network = "custom"
)

// Environment variables that supply defaults for the algod flags, so a
// token need not appear on the command line.
const (
	EnvAlgodURL   = "KINETIC_ALGOD_URL"
	EnvAlgodToken = "KINETIC_ALGOD_TOKEN"
)

// ParseNetwork reads a preset name, case-insensitively.
func ParseNetwork(s string) (Network, error) {
	switch n := Network(strings.ToLower(strings.TrimSpace(s))); n {
	case LocalNet, TestNet, MainNet, Custom:
		return n, nil
	}
	return "", fmt.Errorf("unknown network %q (want localnet, testnet, mainnet or custom)", s)
}

// String returns the preset's display name, e.g. "LocalNet".
func (n Network) String() string {
	switch n {
	case LocalNet:
		return "LocalNet"
	case TestNet:
		return "TestNet"
	case MainNet:
		return "MainNet"
	case Custom:
		return "Custom"
	}
	return string(n)
}

// Config is what one instance runs with.
type Config struct {
	// DataDir holds the store (kinetic.db), the log and crash output.
	DataDir string
	// Network is the chain preset.
	Network Network
	// AlgodURL and AlgodToken override the preset's endpoint. LocalNet's
	// comes from the LocalNet manager; the other presets have none built in.
	// The token is a Secret, so printing or logging a Config never shows it.
	AlgodURL   string
	AlgodToken Secret
	// LocalNetDir is the LocalNet network directory.
	LocalNetDir string
	// Prefs are the data directory's saved preferences as Run loaded them
	// at start (DefaultPreferences when none are saved). Network, AlgodURL
	// and AlgodToken above already combine them with the command line,
	// where flags win. Code that must follow a change made since the start
	// reads NewPreferenceStore(DataDir).Load() instead.
	Prefs Preferences
}

// ErrNoEndpoint reports a network preset with no algod URL configured.
var ErrNoEndpoint = errors.New("no algod URL configured")

// Validate checks that the configuration can reach a node: every preset
// but LocalNet needs an algod URL.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("no data directory")
	}
	if c.Network != LocalNet && c.AlgodURL == "" {
		return fmt.Errorf("%w for %s: pass --algod-url (and --algod-token if the node wants one) or set %s",
			ErrNoEndpoint, c.Network, EnvAlgodURL)
	}
	return nil
}

// DefaultDataDir returns the "kinetic" directory under the user's
// configuration directory.
func DefaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("default data dir: %w", err)
	}
	return filepath.Join(base, "kinetic"), nil
}

// endpointFunc returns the algod URL and token to use now. LocalNet's is
// read afresh each time, so a node started later is picked up.
type endpointFunc func() (url, token string, err error)

// endpoint resolves the configuration's algod endpoint; localnet supplies
// LocalNet's when no URL was given.
func (c Config) endpoint(localnet endpointFunc) endpointFunc {
	if c.AlgodURL != "" {
		url, token := c.AlgodURL, string(c.AlgodToken)
		return func() (string, string, error) { return url, token, nil }
	}
	if c.Network != LocalNet {
		return func() (string, string, error) { return "", "", c.Validate() }
	}
	return func() (string, string, error) {
		url, token, err := localnet()
		if err != nil {
			return "", "", fmt.Errorf("LocalNet is not running (start it with 'kinetic localnet up'): %w", err)
		}
		return url, token, nil
	}
}
