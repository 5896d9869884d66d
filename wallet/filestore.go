package wallet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// The fallback keystore file format (all integers big-endian):
//
//	magic "KKSF" | version u8 (1) | kdf u8 (1 = argon2id) | time u32 |
//	memory KiB u32 | threads u8 | salt [16] | nonce [24] | verifier [32] |
//	ciphertext length u32 | ciphertext (XChaCha20-Poly1305, header as AAD)
//
// argon2id(passphrase, salt) yields 64 bytes: the first 32 are the AEAD key,
// the last 32 the verifier stored in the header, which tells a wrong
// passphrase apart from a damaged file. The salt is drawn when the file is
// created and kept by later writes (an open FileStore holds the key derived
// for it, not the passphrase); the nonce is fresh on every write. The
// plaintext (count u32, then per account: address length u8, address,
// 32-byte seed) is entirely encrypted: the file alone reveals only the KDF
// parameters and, through its length, roughly how many accounts it holds —
// not which addresses.
const (
	fileMagic    = "KKSF"
	fileVersion  = 1
	kdfArgon2id  = 1
	saltSize     = 16
	verifierSize = 32
	aeadKeySize  = 32
	headerSize   = 4 + 1 + 1 + 4 + 4 + 1 + saltSize + nonceSizeX + verifierSize + 4
	seedSize     = 32
	nonceSizeX   = 24
	maxFileSize  = 1 << 20
	// The accepted KDF cost stays near the defaults, so that a tampered
	// header cannot make opening the file exhaust memory or time.
	maxKDFTime    = 10
	maxKDFThreads = 16
	maxKDFMemKiB  = 1 << 20 // 1 GiB
)

// ErrWrongPassphrase reports that the passphrase does not open the keystore file.
var ErrWrongPassphrase = errors.New("wallet: wrong keystore passphrase")

// ErrKeystoreCorrupt reports a truncated or damaged keystore file. Match it
// with errors.Is; the concrete error is a *KeystoreCorruptError.
var ErrKeystoreCorrupt = errors.New("wallet: keystore file is corrupt")

// KeystoreCorruptError says what is wrong with a keystore file.
type KeystoreCorruptError struct {
	Path   string
	Reason string
}

// Error implements error.
func (e *KeystoreCorruptError) Error() string {
	return fmt.Sprintf("wallet: keystore file %s is corrupt: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrKeystoreCorrupt) true.
func (e *KeystoreCorruptError) Is(target error) bool { return target == ErrKeystoreCorrupt }

// KDFParams are the argon2id cost parameters used when writing the file.
type KDFParams struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultKDFParams returns RFC 9106's second recommendation (64 MiB, t=3, p=4).
func DefaultKDFParams() KDFParams { return KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4} }

func (p KDFParams) valid() bool {
	return p.Time >= 1 && p.Time <= maxKDFTime && p.Threads >= 1 && p.Threads <= maxKDFThreads &&
		p.MemoryKiB >= 8*uint32(p.Threads) && p.MemoryKiB <= maxKDFMemKiB
}

// ErrKeystoreReplaced reports a keystore file rewritten, under another
// salt, since this FileStore opened it: reopen it with its passphrase.
var ErrKeystoreReplaced = errors.New("wallet: keystore file was replaced since it was opened")

// FileStore is the passphrase-encrypted fallback Keystore. While open it
// keeps in memory only the key derived from the passphrase (and the salt
// and KDF cost it was derived for): the passphrase is zeroed once the key
// is derived, and seeds are decrypted from the file for each call and
// zeroed before the call returns (Get's copy is the caller's to zero).
// Close zeroes the key.
type FileStore struct {
	path string

	mu  sync.Mutex
	key *fileKey // nil once closed
}

// OpenFileStore opens (or prepares to create) the keystore file at path with
// passphrase, which it does not keep. An existing file must open with it:
// ErrWrongPassphrase or a *KeystoreCorruptError otherwise. params set the
// KDF cost of a new file (an existing one keeps its own); the zero value
// means DefaultKDFParams().
func OpenFileStore(path string, passphrase []byte, params KDFParams) (*FileStore, error) {
	if params == (KDFParams{}) {
		params = DefaultKDFParams()
	}
	if !params.valid() {
		return nil, fmt.Errorf("wallet: keystore KDF parameters out of range: %+v", params)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("wallet: keystore passphrase is empty")
	}
	raw, err := os.ReadFile(path)
	var key *fileKey
	switch {
	case errors.Is(err, fs.ErrNotExist):
		key, err = newFileKey(passphrase, params)
	case err != nil:
		return nil, fmt.Errorf("wallet: read keystore: %w", err)
	default:
		key, err = openKeyFile(path, raw, passphrase)
	}
	if err != nil {
		return nil, err
	}
	return &FileStore{path: path, key: key}, nil
}

// Kind implements Keystore.
func (s *FileStore) Kind() BackendKind { return BackendFile }

// Path returns the keystore file's path.
func (s *FileStore) Path() string { return s.path }

// readLocked decrypts the file's seeds (none when it does not exist yet);
// the caller wipes them.
func (s *FileStore) readLocked() (map[string][]byte, error) {
	if s.key == nil {
		return nil, errors.New("wallet: keystore is closed")
	}
	raw, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: read keystore: %w", err)
	}
	return s.key.open(s.path, raw)
}

// Put implements Keystore; it rewrites the whole file with a fresh nonce.
func (s *FileStore) Put(ctx context.Context, addr string, seed []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(seed) != seedSize || len(addr) == 0 || len(addr) > 255 {
		return fmt.Errorf("wallet: keystore put: bad seed or address length")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seeds, err := s.readLocked()
	if err != nil {
		return err
	}
	defer wipeSeeds(seeds)
	zero(seeds[addr])
	seeds[addr] = bytes.Clone(seed)
	return s.writeLocked(seeds)
}

// Get implements Keystore.
func (s *FileStore) Get(ctx context.Context, addr string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seeds, err := s.readLocked()
	if err != nil {
		return nil, err
	}
	defer wipeSeeds(seeds)
	seed, ok := seeds[addr]
	if !ok {
		return nil, fmt.Errorf("wallet: keystore %s: %w", addr, ErrSecretNotFound)
	}
	return bytes.Clone(seed), nil
}

// Delete implements Keystore.
func (s *FileStore) Delete(ctx context.Context, addr string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seeds, err := s.readLocked()
	if err != nil {
		return err
	}
	defer wipeSeeds(seeds)
	if _, ok := seeds[addr]; !ok {
		return nil
	}
	zero(seeds[addr])
	delete(seeds, addr)
	return s.writeLocked(seeds)
}

// Close zeroes the derived key; the store cannot be used afterwards.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		s.key.wipe()
		s.key = nil
	}
	return nil
}

func (s *FileStore) writeLocked(seeds map[string][]byte) error {
	plain := encodeSeeds(seeds)
	defer zero(plain)
	data, err := s.key.seal(plain)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, data)
}

func encodeSeeds(seeds map[string][]byte) []byte {
	addrs := make([]string, 0, len(seeds))
	for a := range seeds {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(addrs)))
	for _, a := range addrs {
		out = append(out, byte(len(a)))
		out = append(out, a...)
		out = append(out, seeds[a]...)
	}
	return out
}

func decodeSeeds(plain []byte) (map[string][]byte, error) {
	if len(plain) < 4 {
		return nil, errors.New("payload too short")
	}
	n := binary.BigEndian.Uint32(plain)
	rest := plain[4:]
	seeds := make(map[string][]byte, min(n, 1024))
	for i := uint32(0); i < n; i++ {
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+seedSize {
			return nil, errors.New("payload truncated")
		}
		l := int(rest[0])
		seeds[string(rest[1:1+l])] = append([]byte(nil), rest[1+l:1+l+seedSize]...)
		rest = rest[1+l+seedSize:]
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing payload bytes")
	}
	return seeds, nil
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("wallet: keystore dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".keystore-*")
	if err != nil {
		return fmt.Errorf("wallet: keystore write: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("wallet: keystore write: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("wallet: keystore write: sync dir: %w", err)
	}
	return nil
}

// syncDir makes a rename inside dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
