package contracts

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// DeploymentStore keeps one Deployment per network (genesis hash).
type DeploymentStore interface {
	Load(genesisHash string) (Deployment, bool, error)
	Save(Deployment) error
}

// fileStore is a DeploymentStore in one JSON file: genesis hash -> deployment.
type fileStore struct {
	mu   sync.Mutex
	path string
}

// NewFileDeploymentStore returns a store kept in the JSON file at path
// (created on first Save, written atomically).
func NewFileDeploymentStore(path string) DeploymentStore { return &fileStore{path: path} }

// Path returns the JSON file the store is kept in.
func (s *fileStore) Path() string { return s.path }

func (s *fileStore) read() (map[string]Deployment, error) {
	all := map[string]Deployment{}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, fmt.Errorf("contracts: deployments: %w", err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("contracts: deployments %s: %w", s.path, err)
	}
	return all, nil
}

// Load implements DeploymentStore.
func (s *fileStore) Load(genesisHash string) (Deployment, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	if err != nil {
		return Deployment{}, false, err
	}
	d, ok := all[genesisHash]
	return d, ok, nil
}

// Save implements DeploymentStore.
func (s *fileStore) Save(d Deployment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	if err != nil {
		return err
	}
	all[d.GenesisHash] = d
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("contracts: deployments: %w", err)
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("contracts: deployments: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("contracts: deployments: %w", err)
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
