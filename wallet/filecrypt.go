package wallet

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// fileHeader is the parsed clear-text header of a keystore file.
type fileHeader struct {
	params   KDFParams
	salt     []byte
	nonce    []byte
	verifier []byte
	ctLen    uint32
}

// fileKey is what a FileStore keeps in memory while open: the AEAD key
// and verifier that argon2id derived from the passphrase for one salt and
// KDF cost. The passphrase itself is zeroed as soon as the key is derived.
type fileKey struct {
	params   KDFParams
	salt     []byte
	key      []byte // AEAD key; zeroed by wipe
	verifier []byte
}

// deriveFileKey runs argon2id over pass and salt with cost p.
func deriveFileKey(pass, salt []byte, p KDFParams) *fileKey {
	out := argon2.IDKey(pass, salt, p.Time, p.MemoryKiB, p.Threads, aeadKeySize+verifierSize)
	return &fileKey{params: p, salt: bytes.Clone(salt), key: out[:aeadKeySize:aeadKeySize], verifier: out[aeadKeySize:]}
}

// newFileKey derives the key of a new file: a fresh salt.
func newFileKey(pass []byte, p KDFParams) (*fileKey, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("wallet: keystore salt: %w", err)
	}
	return deriveFileKey(pass, salt, p), nil
}

// wipe zeroes the key material.
func (k *fileKey) wipe() {
	zero(k.key)
	zero(k.verifier)
}

// seal encrypts plain into a complete keystore file under k, with a fresh
// nonce (XChaCha20's 192-bit random nonces are safe to draw per write).
func (k *fileKey) seal(plain []byte) ([]byte, error) {
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("wallet: keystore nonce: %w", err)
	}
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, fmt.Errorf("wallet: keystore cipher: %w", err)
	}
	p := k.params
	hdr := make([]byte, 0, headerSize+len(plain)+aead.Overhead())
	hdr = append(hdr, fileMagic...)
	hdr = append(hdr, fileVersion, kdfArgon2id)
	hdr = binary.BigEndian.AppendUint32(hdr, p.Time)
	hdr = binary.BigEndian.AppendUint32(hdr, p.MemoryKiB)
	hdr = append(hdr, p.Threads)
	hdr = append(hdr, k.salt...)
	hdr = append(hdr, nonce...)
	hdr = append(hdr, k.verifier...)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(len(plain)+aead.Overhead()))
	return aead.Seal(hdr, nonce, plain, hdr[:headerSize]), nil
}

func parseHeader(path string, raw []byte) (fileHeader, error) {
	bad := func(reason string) (fileHeader, error) {
		return fileHeader{}, &KeystoreCorruptError{Path: path, Reason: reason}
	}
	if len(raw) > maxFileSize {
		return bad("file too large")
	}
	if len(raw) < headerSize {
		return bad(fmt.Sprintf("truncated header (%d of %d bytes)", len(raw), headerSize))
	}
	if string(raw[:4]) != fileMagic {
		return bad("not a Kinetic keystore (bad magic)")
	}
	if raw[4] != fileVersion || raw[5] != kdfArgon2id {
		return bad(fmt.Sprintf("unsupported version %d / kdf %d", raw[4], raw[5]))
	}
	h := fileHeader{params: KDFParams{
		Time:      binary.BigEndian.Uint32(raw[6:]),
		MemoryKiB: binary.BigEndian.Uint32(raw[10:]),
		Threads:   raw[14],
	}}
	if !h.params.valid() {
		return bad("KDF parameters out of range")
	}
	off := 15
	h.salt = raw[off : off+saltSize]
	off += saltSize
	h.nonce = raw[off : off+chacha20poly1305.NonceSizeX]
	off += chacha20poly1305.NonceSizeX
	h.verifier = raw[off : off+verifierSize]
	off += verifierSize
	h.ctLen = binary.BigEndian.Uint32(raw[off:])
	if int64(len(raw)-headerSize) != int64(h.ctLen) {
		return bad(fmt.Sprintf("length mismatch: header says %d ciphertext bytes, file has %d", h.ctLen, len(raw)-headerSize))
	}
	return h, nil
}

// openKeyFile derives the key of an existing file from pass and checks
// that it opens the file. The decrypted contents are zeroed before it
// returns; only the key is kept.
func openKeyFile(path string, raw, pass []byte) (*fileKey, error) {
	h, err := parseHeader(path, raw)
	if err != nil {
		return nil, err
	}
	k := deriveFileKey(pass, h.salt, h.params)
	seeds, err := k.open(path, raw)
	if err != nil {
		k.wipe()
		return nil, err
	}
	wipeSeeds(seeds)
	return k, nil
}

// open decrypts a keystore file with k. The caller zeroes the returned
// seeds (wipeSeeds) when done. A file whose salt or KDF cost is not k's
// was replaced since k was derived (another passphrase): it is refused.
func (k *fileKey) open(path string, raw []byte) (map[string][]byte, error) {
	h, err := parseHeader(path, raw)
	if err != nil {
		return nil, err
	}
	if h.params != k.params || !bytes.Equal(h.salt, k.salt) {
		return nil, fmt.Errorf("wallet: keystore file %s: %w", path, ErrKeystoreReplaced)
	}
	if subtle.ConstantTimeCompare(k.verifier, h.verifier) != 1 {
		return nil, ErrWrongPassphrase
	}
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, fmt.Errorf("wallet: keystore cipher: %w", err)
	}
	plain, err := aead.Open(nil, h.nonce, raw[headerSize:], raw[:headerSize])
	if err != nil {
		return nil, &KeystoreCorruptError{Path: path, Reason: "authentication failed (passphrase is right, contents were altered)"}
	}
	defer zero(plain)
	seeds, err := decodeSeeds(plain)
	if err != nil {
		return nil, &KeystoreCorruptError{Path: path, Reason: err.Error()}
	}
	return seeds, nil
}

// wipeSeeds zeroes every seed in seeds.
func wipeSeeds(seeds map[string][]byte) {
	for a, seed := range seeds {
		zero(seed)
		delete(seeds, a)
	}
}
