package localnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// MarkerFile is the file, inside the network directory, that says this
// manager created the directory. Only a directory holding it (or one being
// created, see creatingMarker) is ever removed: by Reset, or by Up when a
// creation was interrupted.
const MarkerFile = ".kinetic-localnet"

// markerText is the marker's content, for a person who finds the file.
const markerText = "This directory is a Kinetic LocalNet, created by 'kinetic localnet up'.\n" +
	"'kinetic localnet reset' deletes it and everything in it.\n"

// ErrNotOwned reports a LocalNet directory that holds files this manager
// did not create: it is never written to or removed.
var ErrNotOwned = errors.New("directory was not created by Kinetic's LocalNet manager")

// markerPath is the marker inside the network directory.
func (m *Manager) markerPath() string { return filepath.Join(m.dir, MarkerFile) }

// creatingMarker is the file, next to the network directory, written
// before a creation starts and removed once the marker is inside: goal
// wants an empty directory, so during creation the claim lives outside it.
func (m *Manager) creatingMarker() string {
	return filepath.Join(filepath.Dir(m.dir), "."+filepath.Base(m.dir)+".kinetic-localnet-creating")
}

// dirState is what a network directory holds.
type dirState int

const (
	dirAbsent   dirState = iota // no directory, or an empty one
	dirNetwork                  // a complete LocalNet made by this manager
	dirHalfMade                 // a creation of ours that did not finish
)

// inspectDir classifies the network directory, adopting one made by an
// earlier version (a kinetic-local genesis but no marker) by writing the
// marker. Any other non-empty directory is refused with ErrNotOwned.
func (m *Manager) inspectDir() (dirState, error) {
	entries, err := os.ReadDir(m.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dirAbsent, nil
	case err != nil:
		return 0, fmt.Errorf("localnet: %w", err)
	}
	_, markErr := os.Stat(m.markerPath())
	_, creatingErr := os.Stat(m.creatingMarker())
	marked := markErr == nil || creatingErr == nil
	name, genErr := genesisNetwork(filepath.Join(m.nodeDir(), "genesis.json"))
	switch {
	case genErr == nil && name == NetworkName:
		if !marked {
			if err := m.writeMarker(); err != nil {
				return 0, err
			}
		}
		return dirNetwork, nil
	case marked:
		return dirHalfMade, nil
	case len(entries) == 0:
		return dirAbsent, nil
	case genErr == nil:
		return 0, fmt.Errorf("localnet: %s holds the Algorand network %q, not Kinetic's LocalNet: %w; "+
			"pass another --localnet-dir (or %s)", m.dir, name, ErrNotOwned, DirEnv)
	}
	return 0, fmt.Errorf("localnet: %s is not empty and %w (it has no %s); nothing was changed: "+
		"pass an empty or new directory with --localnet-dir (or %s)", m.dir, ErrNotOwned, MarkerFile, DirEnv)
}

// writeMarker writes the marker into the network directory.
func (m *Manager) writeMarker() error {
	if err := os.WriteFile(m.markerPath(), []byte(markerText), 0o600); err != nil {
		return fmt.Errorf("localnet: write marker: %w", err)
	}
	return nil
}

// removeOwned removes the network directory if inspectDir says this
// manager made it (wholly or in part); an absent directory is fine.
func (m *Manager) removeOwned() error {
	st, err := m.inspectDir()
	if err != nil {
		return err
	}
	if st == dirAbsent {
		// Empty or missing: nothing of anyone's to lose, nothing to remove
		// (an empty folder the user made stays).
		return nil
	}
	if err := os.RemoveAll(m.dir); err != nil {
		return fmt.Errorf("localnet: remove %s: %w", m.dir, err)
	}
	return nil
}

// genesisNetwork returns the network name recorded in a genesis file.
func genesisNetwork(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var g struct {
		Network string `json:"network"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return "", fmt.Errorf("localnet: %s: %w", path, err)
	}
	return g.Network, nil
}
