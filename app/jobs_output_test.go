package app

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
)

// outputTar is a tar holding the given files and, when link is set, a
// symbolic link leaving the folder.
func outputTar(t *testing.T, files map[string]string, link bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if link {
		if err := tw.WriteHeader(&tar.Header{Name: "escape", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSaveOutputNeverOverwrites saves into a folder that already holds a
// file of the archive's name: that file keeps its bytes, and the archive
// gets the next free name.
func TestSaveOutputNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	tarball := outputTar(t, map[string]string{"model.bin": "weights"}, false)
	mine := filepath.Join(dir, "kinetic-job-abc.tar")
	if err := os.WriteFile(mine, []byte("the user's own file"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := saveOutput(tarball, dir, "kinetic-job-abc", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "kinetic-job-abc-2.tar"); p != want {
		t.Errorf("saved to %s, want %s", p, want)
	}
	if got := readFile(t, mine); got != "the user's own file" {
		t.Errorf("the existing file now holds %q", got)
	}
	if got := readFile(t, p); got != string(tarball) {
		t.Error("the saved archive differs from the download")
	}
	p3, err := saveOutput(tarball, dir, "kinetic-job-abc", false)
	if err != nil || p3 != filepath.Join(dir, "kinetic-job-abc-3.tar") {
		t.Errorf("third save: %s, %v", p3, err)
	}
}

// TestSaveOutputUnpacksIntoANewFolder unpacks twice: the second time into
// base-2, leaving the first folder's files as they were.
func TestSaveOutputUnpacksIntoANewFolder(t *testing.T) {
	dir := t.TempDir()
	p, err := saveOutput(outputTar(t, map[string]string{"out/result.txt": "first"}, false), dir, "job", true)
	if err != nil || p != filepath.Join(dir, "job") {
		t.Fatalf("first unpack: %s, %v", p, err)
	}
	p2, err := saveOutput(outputTar(t, map[string]string{"out/result.txt": "second"}, false), dir, "job", true)
	if err != nil || p2 != filepath.Join(dir, "job-2") {
		t.Fatalf("second unpack: %s, %v", p2, err)
	}
	if got := readFile(t, filepath.Join(p, "out", "result.txt")); got != "first" {
		t.Errorf("first folder's file holds %q", got)
	}
	if got := readFile(t, filepath.Join(p2, "out", "result.txt")); got != "second" {
		t.Errorf("second folder's file holds %q", got)
	}
}

// TestSaveOutputRefusesUnsafeArchive: an archive with a link is refused
// by the extractor and leaves nothing behind.
func TestSaveOutputRefusesUnsafeArchive(t *testing.T) {
	dir := t.TempDir()
	_, err := saveOutput(outputTar(t, map[string]string{"a.txt": "a"}, true), dir, "job", true)
	if !errors.Is(err, consumer.ErrUnsafeArchive) {
		t.Fatalf("err = %v, want ErrUnsafeArchive", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused archive left %d entries", len(ents))
	}
	if _, err := saveOutput(nil, filepath.Join(dir, "missing"), "job", false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

// TestJobSettlementAmounts: a release pays rate·seconds/3600 and returns
// the rest with the box deposit; a dispute returns everything.
func TestJobSettlementAmounts(t *testing.T) {
	var prov, cons types.Address
	prov[0], cons[0] = 1, 2
	s := jobSettlement(contracts.Job{Provider: prov, Consumer: cons, Locked: 1_000_000, RatePerHour: 720_000, BilledSeconds: 2_500})
	if s.Bill != 500_000 || s.ReleaseRefund() != 500_000+contracts.JobBoxMBR || s.DisputeRefund() != 1_000_000+contracts.JobBoxMBR {
		t.Errorf("bill %d, release refund %d, dispute refund %d", s.Bill, s.ReleaseRefund(), s.DisputeRefund())
	}
	if s.Provider != prov.String() || s.Consumer != cons.String() || s.BoxDeposit != 108_900 {
		t.Errorf("settlement %+v", s)
	}
}

// TestSaveOutputRemovesAPartlyUnpackedFolder: an archive whose file "a" is
// followed by "a/b" fails half-way through unpacking; the folder the save
// created is removed with what was written, and the folder chosen keeps
// only what it held before.
func TestSaveOutputRemovesAPartlyUnpackedFolder(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.txt")
	if err := os.WriteFile(mine, []byte("the user's"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"a", "a/b"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := saveOutput(buf.Bytes(), dir, "job", true); err == nil {
		t.Fatal("an archive with a file and a path under it was unpacked")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "mine.txt" || readFile(t, mine) != "the user's" {
		t.Fatalf("folder holds %v after the refused unpack, want only mine.txt untouched", ents)
	}
}
