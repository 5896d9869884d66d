package app

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestWalletImportOnARealTerminalDoesNotEcho(t *testing.T) {
	testkit.Keyring(t)
	a, words := newWords(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	// What the terminal shows is what its master side reads: collect it
	// until the slave closes.
	shownc := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(ptmx); shownc <- b }()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := walletRun(t, Config{DataDir: t.TempDir(), Network: LocalNet}, walletIO{in: tty, out: &out, inTerminal: true}, "import")
		done <- err
	}()
	// The words are typed only once echo is off: wait for the prompt's
	// terminal state, then type.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if st.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("echo was never turned off")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := ptmx.Write([]byte(words + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out.String(), a.Address.String()) {
		t.Fatalf("import output %q lacks the address", out.String())
	}
	st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lflag&unix.ECHO == 0 {
		t.Error("echo stayed off after the import")
	}
	tty.Close()
	var shown []byte
	select {
	case shown = <-shownc:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output never ended")
	}
	if first := strings.Fields(words)[0]; bytes.Contains(shown, []byte(first)) {
		t.Fatalf("the terminal echoed the words: %q", shown)
	}
}
