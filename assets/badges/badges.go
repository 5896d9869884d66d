// Package badges holds the ARC-3 metadata and art of Kinetic's provider
// reputation badges (tiers 1 to 3) and computes what the BadgeMinter app is
// configured with: the metadata hash (am = SHA-256 of the JSON) and the URL
// ipfs://<CIDv1 of the JSON>#arc3.
package badges

import (
	"crypto/sha256"
	"embed"
	"encoding/base32"
	"fmt"
	"strings"
)

//go:embed tier1.json tier2.json tier3.json tier1.svg tier2.svg tier3.svg
var files embed.FS

// Tiers is the number of badge tiers.
const Tiers = 3

// Badge is one tier's ARC-3 metadata with its on-chain commitments.
type Badge struct {
	Tier     uint64
	Metadata []byte   // the ARC-3 JSON, byte for byte
	Hash     [32]byte // SHA-256 of Metadata, the ASA's metadata hash (am)
	URL      string   // ipfs://<CIDv1 raw sha256 of Metadata>#arc3
	Image    []byte   // the SVG art the metadata's image field points to
}

// Tier returns badge tier n (1..3).
func Tier(n uint64) (Badge, error) {
	if n < 1 || n > Tiers {
		return Badge{}, fmt.Errorf("badges: no tier %d", n)
	}
	meta, err := files.ReadFile(fmt.Sprintf("tier%d.json", n))
	if err != nil {
		return Badge{}, fmt.Errorf("badges: %w", err)
	}
	img, err := files.ReadFile(fmt.Sprintf("tier%d.svg", n))
	if err != nil {
		return Badge{}, fmt.Errorf("badges: %w", err)
	}
	return Badge{Tier: n, Metadata: meta, Hash: sha256.Sum256(meta), URL: "ipfs://" + CID(meta) + "#arc3", Image: img}, nil
}

// All returns the three tiers in order.
func All() ([]Badge, error) {
	out := make([]Badge, 0, Tiers)
	for n := uint64(1); n <= Tiers; n++ {
		b, err := Tier(n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// CID returns the CIDv1 (raw codec, sha2-256 multihash, base32 multibase)
// of data, as IPFS computes it for a file added with --cid-version=1
// --raw-leaves when the file fits in one block.
func CID(data []byte) string {
	sum := sha256.Sum256(data)
	raw := append([]byte{0x01, 0x55, 0x12, 0x20}, sum[:]...)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	return "b" + strings.ToLower(enc)
}
