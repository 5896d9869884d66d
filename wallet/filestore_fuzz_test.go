package wallet

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// fuzzKDFBudget caps the KDF cost a fuzzed header may ask for: the caps
// the format accepts (1 GiB, t=10) are fine for one real open but would
// make each fuzz execution take seconds, and the fuzz pass must run at a
// steady rate. Headers above it are still parsed, not derived.
var fuzzKDFBudget = KDFParams{Time: 2, MemoryKiB: 256, Threads: 2}

// FuzzKeystoreDecrypt feeds arbitrary bytes to the keystore file decoder
// (header, KDF, verifier, AEAD, payload) with a fixed passphrase, and
// arbitrary plaintext through seal/open to the payload decoder. Neither may
// panic; every failure is ErrWrongPassphrase, ErrKeystoreCorrupt or
// ErrKeystoreReplaced; a payload that decodes re-encodes to the same seeds.
func FuzzKeystoreDecrypt(f *testing.F) {
	pass := []byte("fuzz-passphrase")
	key, err := newFileKey(pass, fastKDF)
	if err != nil {
		f.Fatal(err)
	}
	plain := encodeSeeds(map[string][]byte{"ADDR": bytes.Repeat([]byte{7}, seedSize), "B": make([]byte, seedSize)})
	file, err := key.seal(plain)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file, plain)
	f.Add(file[:headerSize], []byte{0, 0, 0, 0})
	f.Add([]byte(fileMagic), []byte{0, 0, 0, 1, 1, 'A'})
	f.Add([]byte{}, []byte{0xff, 0xff, 0xff, 0xff})
	path := filepath.Join(f.TempDir(), "ks")
	f.Fuzz(func(t *testing.T, raw, payload []byte) {
		if h, err := parseHeader(path, raw); err == nil &&
			(h.params.Time > fuzzKDFBudget.Time || h.params.MemoryKiB > fuzzKDFBudget.MemoryKiB || h.params.Threads > fuzzKDFBudget.Threads) {
			return
		}
		k, err := openKeyFile(path, raw, pass)
		switch {
		case err == nil:
			k.wipe()
		case !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrKeystoreCorrupt) && !errors.Is(err, ErrKeystoreReplaced):
			t.Fatalf("open: unexpected error kind: %v", err)
		}
		sealed, err := key.seal(payload)
		if err != nil {
			t.Fatal(err)
		}
		seeds, err := key.open(path, sealed)
		if err != nil {
			if !errors.Is(err, ErrKeystoreCorrupt) {
				t.Fatalf("payload: unexpected error kind: %v", err)
			}
			return
		}
		defer wipeSeeds(seeds)
		again := encodeSeeds(seeds)
		back, err := decodeSeeds(again)
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		defer wipeSeeds(back)
		if len(back) != len(seeds) {
			t.Fatalf("re-decoded %d seeds, want %d", len(back), len(seeds))
		}
		for a, s := range seeds {
			if len(s) != seedSize || len(a) > 255 || !bytes.Equal(back[a], s) {
				t.Fatalf("seed of %q changed across a round trip", a)
			}
		}
	})
}
