package wallet

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
)

// mnemonicWords is the length of an Algorand mnemonic.
const mnemonicWords = 25

// Reasons carried by a BadMnemonicError.
const (
	ReasonLength      = "length"
	ReasonUnknownWord = "unknown word"
	ReasonChecksum    = "checksum"
)

// ErrBadMnemonic reports a mnemonic that does not decode to a key. Match it
// with errors.Is; the concrete error is a *BadMnemonicError with the reason.
var ErrBadMnemonic = errors.New("wallet: bad mnemonic")

// BadMnemonicError says why a mnemonic was rejected. It never contains the
// mnemonic's words except, for ReasonUnknownWord, the position of the word.
type BadMnemonicError struct {
	Reason string // ReasonLength, ReasonUnknownWord or ReasonChecksum
	Words  int    // number of words given
	Index  int    // 1-based position of the unknown word, 0 otherwise
}

// Error implements error.
func (e *BadMnemonicError) Error() string {
	switch e.Reason {
	case ReasonLength:
		return fmt.Sprintf("wallet: bad mnemonic: %d words, want %d", e.Words, mnemonicWords)
	case ReasonUnknownWord:
		return fmt.Sprintf("wallet: bad mnemonic: word %d is not in the word list", e.Index)
	default:
		return "wallet: bad mnemonic: " + e.Reason + " failed"
	}
}

// Is makes errors.Is(err, ErrBadMnemonic) true.
func (e *BadMnemonicError) Is(target error) bool { return target == ErrBadMnemonic }

// IsBadMnemonic reports whether err rejects a mnemonic, and with which reason.
func IsBadMnemonic(err error) (reason string, ok bool) {
	var be *BadMnemonicError
	if errors.As(err, &be) {
		return be.Reason, true
	}
	return "", false
}

// seedFromMnemonic normalises phrase (any whitespace, any case) and returns
// the 32-byte seed it encodes. The caller zeroes the seed.
func seedFromMnemonic(phrase string) ([]byte, error) {
	words := strings.Fields(strings.ToLower(phrase))
	if len(words) != mnemonicWords {
		return nil, &BadMnemonicError{Reason: ReasonLength, Words: len(words)}
	}
	seed, err := mnemonic.ToKey(strings.Join(words, " "))
	if err == nil {
		return seed, nil
	}
	// The SDK's errors are unexported; an unknown word is the only failure
	// that names a word ("<word> is not in the words list").
	if msg := err.Error(); strings.HasSuffix(msg, "is not in the words list") {
		bad := strings.TrimSuffix(msg, " is not in the words list")
		idx := 0
		for i, w := range words {
			if w == bad {
				idx = i + 1
				break
			}
		}
		return nil, &BadMnemonicError{Reason: ReasonUnknownWord, Words: len(words), Index: idx}
	}
	return nil, &BadMnemonicError{Reason: ReasonChecksum, Words: len(words)}
}

// mnemonicFromSeed encodes a 32-byte seed as a 25-word mnemonic.
func mnemonicFromSeed(seed []byte) (string, error) {
	if len(seed) != ed25519.SeedSize {
		return "", fmt.Errorf("wallet: seed has %d bytes", len(seed))
	}
	return mnemonic.FromKey(seed)
}
