package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// StoreFile is the name of the bbolt store inside the data directory.
const StoreFile = "kinetic.db"

// storeLockTimeout is how long opening the store waits for another
// instance's lock before giving up.
const storeLockTimeout = time.Second

// AlreadyRunningError reports that another instance holds the store of
// the same data directory.
type AlreadyRunningError struct {
	// DataDir is the data directory in use.
	DataDir string
}

// Error implements error.
func (e *AlreadyRunningError) Error() string {
	return fmt.Sprintf("Kinetic is already running (data dir %s)", e.DataDir)
}

// IsAlreadyRunning reports whether err says another instance holds the data dir.
func IsAlreadyRunning(err error) bool {
	var e *AlreadyRunningError
	return errors.As(err, &e)
}

// EnsureDataDir creates the data directory, private to the user.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// OpenStore opens (creating if needed) the one bbolt store of dataDir. The
// store is locked for as long as it is open: a second open of the same data
// directory, from this or any other process, fails within a second with an
// *AlreadyRunningError.
func OpenStore(dataDir string) (*bbolt.DB, error) {
	if err := EnsureDataDir(dataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, StoreFile)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: storeLockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &AlreadyRunningError{DataDir: dataDir}
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// Store layout of package app: bucket "app/meta" holds the store's schema
// version, so later releases can migrate what earlier ones wrote.
const (
	metaBucket    = "app/meta"
	schemaKey     = "schema"
	schemaVersion = "1"
)

// initStore records the schema version of a new store and refuses a store
// written by a newer schema.
func initStore(db *bbolt.DB) error {
	return db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		switch v := b.Get([]byte(schemaKey)); {
		case v == nil:
			return b.Put([]byte(schemaKey), []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("store schema %q is not %q: written by another version of Kinetic", v, schemaVersion)
		}
		return nil
	})
}
