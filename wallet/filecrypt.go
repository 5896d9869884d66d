package wallet

import (
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

func deriveKeys(pass, salt []byte, p KDFParams) (key, verifier []byte) {
	out := argon2.IDKey(pass, salt, p.Time, p.MemoryKiB, p.Threads, aeadKeySize+verifierSize)
	return out[:aeadKeySize], out[aeadKeySize:]
}

func encryptFile(plain, pass []byte, p KDFParams) ([]byte, error) {
	salt := make([]byte, saltSize)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("wallet: keystore salt: %w", err)
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("wallet: keystore nonce: %w", err)
	}
	key, verifier := deriveKeys(pass, salt, p)
	defer zero(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("wallet: keystore cipher: %w", err)
	}
	hdr := make([]byte, 0, headerSize+len(plain)+aead.Overhead())
	hdr = append(hdr, fileMagic...)
	hdr = append(hdr, fileVersion, kdfArgon2id)
	hdr = binary.BigEndian.AppendUint32(hdr, p.Time)
	hdr = binary.BigEndian.AppendUint32(hdr, p.MemoryKiB)
	hdr = append(hdr, p.Threads)
	hdr = append(hdr, salt...)
	hdr = append(hdr, nonce...)
	hdr = append(hdr, verifier...)
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

func decryptFile(path string, raw, pass []byte) (map[string][]byte, error) {
	h, err := parseHeader(path, raw)
	if err != nil {
		return nil, err
	}
	key, verifier := deriveKeys(pass, h.salt, h.params)
	defer zero(key)
	if subtle.ConstantTimeCompare(verifier, h.verifier) != 1 {
		return nil, ErrWrongPassphrase
	}
	aead, err := chacha20poly1305.NewX(key)
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
