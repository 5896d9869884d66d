package compute

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestEnvSecretsNotPersisted starts a job whose environment holds a
// secret, checks that the bbolt file, the job record and the events never
// hold it, restarts the engine over the same database and checks that the
// resumed job still had its secret (the container keeps it) and finishes.
func TestEnvSecretsNotPersisted(t *testing.T) {
	t.Parallel()
	cli := testkit.Docker(t)
	db := testkit.DB(t)
	outDir := t.TempDir()
	ctx := testkit.Context(t, time.Minute)
	secret := "tok-" + newJobID(t).String()
	first, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: first, image: testkit.TestImage(t)}
	s := h.spec(`sleep 2; printf %s "$API_TOKEN" | sha256sum | cut -d' ' -f1 > /output/token.sha256; echo done`)
	s.Env = map[string]string{"API_TOKEN": secret, "MODE": "plain"}
	var events eventLog
	id := newJobID(t)
	if _, err := first.Start(ctx, id, s, RunOptions{OnEvent: events.on}); err != nil {
		t.Fatal(err)
	}
	noSecret := func(when string) {
		t.Helper()
		raw, err := os.ReadFile(db.Path())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%s: the bbolt file %s holds the secret", when, db.Path())
		}
		rec, err := first.Store().Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if dump := fmt.Sprintf("%+v", rec); strings.Contains(dump, secret) {
			t.Errorf("%s: the job record holds the secret: %s", when, dump)
		}
		if !slices.Equal(rec.EnvNames, []string{"API_TOKEN", "MODE"}) || rec.Spec.Env != nil {
			t.Errorf("%s: env names %v, stored env %v", when, rec.EnvNames, rec.Spec.Env)
		}
		if rec.SpecHash != s.Hash() {
			t.Errorf("%s: stored spec hash %x, want the hash of the spec as received %x", when, rec.SpecHash, s.Hash())
		}
	}
	noSecret("after start")

	// The restart: a new engine over the same database resumes the job.
	second, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := second.Recover(ctx)
	if err != nil || !slices.Equal(rep.Resumable, []JobID{id}) {
		t.Fatalf("recover: %+v, %v", rep, err)
	}
	job, err := second.Resume(ctx, id, RunOptions{OnEvent: events.on})
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("wait: %+v, %v", res, err)
	}
	want := sha256.Sum256([]byte(secret))
	raw := tarFile(t, mustRead(t, res.OutputTar), "token.sha256")
	if strings.TrimSpace(raw) != hex.EncodeToString(want[:]) {
		t.Errorf("the resumed job saw a token hashing to %q, want %x", raw, want)
	}
	noSecret("after the resumed job finished")
	events.mu.Lock()
	defer events.mu.Unlock()
	for _, ev := range events.events {
		if dump := fmt.Sprintf("%+v %s", ev, ev.Data); strings.Contains(dump, secret) {
			t.Errorf("event %s carries the secret", ev.Kind)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tarFile returns the content of the regular file named name (or ending in
// "/"+name) in a tar archive.
func tarFile(t *testing.T, archive []byte, name string) string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in the archive: %v", name, err)
		}
		if hdr.Typeflag == tar.TypeReg && (hdr.Name == name || strings.HasSuffix(hdr.Name, "/"+name)) {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}
