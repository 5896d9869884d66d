package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
)

// Files kept in the data directory.
const (
	LogFile   = "kinetic.log"
	CrashFile = "crash.log"
)

// maxLogSize is the size past which the log is moved to kinetic.log.1 when
// an instance starts, so that the log cannot grow without bound.
const maxLogSize = 8 << 20

// openLog returns a logger writing JSON records at Info and above to the
// data directory's log file and text records at stderrLevel and above to
// stderr. Close the returned closer when done.
func openLog(dataDir string, stderr io.Writer, stderrLevel slog.Level) (*slog.Logger, io.Closer, error) {
	path := logPath(dataDir)
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		if err := os.Rename(path, path+".1"); err != nil {
			return nil, nil, fmt.Errorf("rotate log: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	h := slog.NewMultiHandler(
		slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}),
		slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: stderrLevel}),
	)
	return slog.New(h).With("pid", os.Getpid()), f, nil
}

// keepCrashOutput makes the runtime also write fatal errors and unhandled
// panics to the data directory's crash file. The returned function stops it.
func keepCrashOutput(dataDir string) (stop func(), err error) {
	path := filepath.Join(dataDir, CrashFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open crash file: %w", err)
	}
	// SetCrashOutput duplicates the descriptor, so f can be closed at once.
	err = debug.SetCrashOutput(f, debug.CrashOptions{})
	err = errors.Join(err, f.Close())
	if err != nil {
		return nil, fmt.Errorf("crash output: %w", err)
	}
	return func() { _ = debug.SetCrashOutput(nil, debug.CrashOptions{}) }, nil
}

// logPath is the log file of dataDir.
func logPath(dataDir string) string { return filepath.Join(dataDir, LogFile) }
