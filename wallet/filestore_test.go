package wallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ks")
	s, err := OpenFileStore(path, []byte("pw"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	seedA, seedB := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if err := s.Put(ctx, "A", seedA); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if err := s.Put(ctx, "B", seedB); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	nonce := func(b []byte) []byte { return b[15+saltSize : 15+saltSize+nonceSizeX] }
	if bytes.Equal(nonce(first), nonce(second)) {
		t.Fatal("nonce reused across writes")
	}
	_ = s.Close()
	s2, err := OpenFileStore(path, []byte("pw"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Get(ctx, "A")
	if err != nil || !bytes.Equal(got, seedA) {
		t.Fatalf("Get A = %x, %v", got, err)
	}
	if _, err := s2.Get(ctx, "B"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get deleted B: %v", err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("keystore mode %v, want 0600", info.Mode().Perm())
	}
}

func TestFileStoreOpenErrors(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ks")
	s, err := OpenFileStore(path, []byte("right"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "ADDR", bytes.Repeat([]byte{9}, 32)); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	good, _ := os.ReadFile(path)
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		pass    string
		want    error
		notWant error
	}{
		{"wrong passphrase", good, "wrong", ErrWrongPassphrase, ErrKeystoreCorrupt},
		{"truncated body", good[:len(good)-5], "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"truncated header", good[:20], "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"empty file", nil, "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"bad magic", flip(0), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"ciphertext bit flipped", flip(len(good) - 3), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"nonce bit flipped", flip(15 + saltSize + 2), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"absurd KDF memory", func() []byte { b := bytes.Clone(good); b[10] = 0xff; return b }(), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF memory 4 GiB", withKDF(good, 3, 4<<20, 4), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF memory just over 1 GiB", withKDF(good, 3, 1<<20+1, 4), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF time 64", withKDF(good, 64, 64, 1), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF time 11", withKDF(good, 11, 64, 1), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF threads 64", withKDF(good, 1, 1024, 64), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
		{"KDF threads 17", withKDF(good, 1, 1024, 17), "right", ErrKeystoreCorrupt, ErrWrongPassphrase},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "ks")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenFileStore(p, []byte(tc.pass), fastKDF)
			if !errors.Is(err, tc.want) || errors.Is(err, tc.notWant) {
				t.Fatalf("err = %v, want %v and not %v", err, tc.want, tc.notWant)
			}
		})
	}
}

// withKDF returns a copy of a keystore file whose header claims other KDF
// parameters (time, memory KiB, threads).
func withKDF(file []byte, time, memKiB uint32, threads uint8) []byte {
	b := bytes.Clone(file)
	binary.BigEndian.PutUint32(b[6:], time)
	binary.BigEndian.PutUint32(b[10:], memKiB)
	b[14] = threads
	return b
}

// TestKDFCapsAcceptDefaultsAndLimits: the defaults and the caps themselves
// are accepted for writing; anything above is refused.
func TestKDFCapsAcceptDefaultsAndLimits(t *testing.T) {
	tests := []struct {
		p  KDFParams
		ok bool
	}{
		{DefaultKDFParams(), true},
		{KDFParams{Time: 10, MemoryKiB: 1 << 20, Threads: 16}, true},
		{KDFParams{Time: 11, MemoryKiB: 64, Threads: 1}, false},
		{KDFParams{Time: 1, MemoryKiB: 1<<20 + 1, Threads: 1}, false},
		{KDFParams{Time: 1, MemoryKiB: 1024, Threads: 17}, false},
	}
	for _, tc := range tests {
		if got := tc.p.valid(); got != tc.ok {
			t.Errorf("%+v valid = %v, want %v", tc.p, got, tc.ok)
		}
	}
}

// TestDataDirRevealsNoSecret creates accounts on the fallback keystore and
// scans every file in the data dir (bbolt file and keystore) for the
// mnemonics, the seeds and the private keys, raw and encoded.
func TestDataDirRevealsNoSecret(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openTestDB(t, dir)
	w := openFileWallet(t, dir, db, "hunter2-passphrase")
	var needles [][]byte
	for _, name := range []string{"a", "b", "c"} {
		a, err := w.Create(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		needles = append(needles, secretNeedles(t, w, a.Address)...)
	}
	a, err := w.Import(ctx, "known", knownMnemonic)
	if err != nil {
		t.Fatal(err)
	}
	needles = append(needles, secretNeedles(t, w, a.Address)...)
	needles = append(needles, []byte("hunter2-passphrase"))
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lower := bytes.ToLower(data)
		for _, n := range needles {
			if bytes.Contains(data, n) || bytes.Contains(lower, bytes.ToLower(n)) {
				t.Errorf("%s contains a secret (%d-byte needle)", filepath.Base(p), len(n))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("scanned %d files, want the DB and the keystore", files)
	}
}

// secretNeedles returns the byte strings that must never appear on disk
// for addr: the mnemonic (and runs of its words), seed and private key,
// raw, hex, base64 and base32.
func secretNeedles(t *testing.T, w *Wallet, addr string) [][]byte {
	t.Helper()
	phrase, err := w.Reveal(context.Background(), addr, true)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := seedFromMnemonic(phrase)
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	words := strings.Fields(phrase)
	out := [][]byte{[]byte(phrase), []byte(strings.Join(words[:4], " ")), []byte(strings.Join(words[10:14], " "))}
	for _, raw := range [][]byte{seed, priv, seed[:16], seed[16:]} {
		out = append(out, raw,
			[]byte(hex.EncodeToString(raw)),
			[]byte(base64.StdEncoding.EncodeToString(raw)),
			[]byte(base64.RawURLEncoding.EncodeToString(raw)),
			[]byte(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)))
	}
	return out
}
