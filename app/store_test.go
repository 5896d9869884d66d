package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// helperStoreEnv makes this test binary, run as a child, hold a store.
const helperStoreEnv = "KINETIC_TEST_HOLD_STORE"

func TestOpenStoreSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	start := time.Now()
	_, err = OpenStore(dir)
	took := time.Since(start)
	if !IsAlreadyRunning(err) {
		t.Fatalf("second open: err = %v, want AlreadyRunningError", err)
	}
	if want := fmt.Sprintf("Kinetic is already running (data dir %s)", dir); err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
	if took > 3*time.Second {
		t.Fatalf("second open took %v; it must fail fast", took)
	}
}

func TestOpenStoreTwoDataDirsCoexist(t *testing.T) {
	a, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatalf("second data dir: %v", err)
	}
	defer b.Close()
	if _, err := os.Stat(filepath.Join(a.Path())); err != nil {
		t.Fatal(err)
	}
}

func TestOpenStoreAfterCloseSucceeds(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = OpenStore(dir)
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	db.Close()
}

// TestOpenStoreLockedByAnotherProcess holds the store in a child process
// (this test binary re-run) and checks that this process is refused.
func TestOpenStoreLockedByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), helperStoreEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("child did not lock the store: %q, %v", line, err)
	}

	if _, err := OpenStore(dir); !IsAlreadyRunning(err) {
		t.Fatalf("open while another process holds it: %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatalf("open after the other process ended: %v", err)
	}
	db.Close()
}

// TestHelperHoldStore is not a test: run as a child process by
// TestOpenStoreLockedByAnotherProcess, it holds a store until stdin closes.
func TestHelperHoldStore(t *testing.T) {
	dir := os.Getenv(helperStoreEnv)
	if dir == "" {
		// Not a test on its own: it is the child process that another test
		// re-executes with the variable set; run directly it does nothing
		// (and neither skips nor fails).
		return
	}
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func TestRunSecondInstanceOnSameDataDir(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	r, _, _ := testRunner(t)
	r.gui = runGUI // the real one: it must refuse before any window opens
	err = r.run(context.Background(), []string{"--data-dir", dir})
	if want := "Kinetic is already running (data dir " + dir + ")"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestInitStoreSchema(t *testing.T) {
	tests := []struct {
		name    string
		stored  string
		wantErr bool
	}{
		{"new store", "", false},
		{"same schema", schemaVersion, false},
		{"newer schema", "2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := OpenStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tt.stored != "" {
				putMeta(t, db, tt.stored)
			}
			err = initStore(db)
			if (err != nil) != tt.wantErr {
				t.Fatalf("initStore: %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			_ = db.View(func(tx *bbolt.Tx) error {
				if got := string(tx.Bucket([]byte(metaBucket)).Get([]byte(schemaKey))); got != schemaVersion {
					t.Errorf("schema = %q, want %q", got, schemaVersion)
				}
				return nil
			})
		})
	}
}

func putMeta(t *testing.T, db *bbolt.DB, v string) {
	t.Helper()
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(schemaKey), []byte(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestIsAlreadyRunningWrapped(t *testing.T) {
	err := fmt.Errorf("start: %w", &AlreadyRunningError{DataDir: "/d"})
	if !IsAlreadyRunning(err) {
		t.Fatal("wrapped AlreadyRunningError not recognised")
	}
	if IsAlreadyRunning(errors.New("Kinetic is already running (data dir /d)")) {
		t.Fatal("a plain error with the same text was taken for AlreadyRunningError")
	}
}
