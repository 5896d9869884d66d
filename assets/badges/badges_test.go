package badges

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCIDKnownVector(t *testing.T) {
	// `ipfs add --cid-version=1 --raw-leaves` of "hello world" (no newline).
	const want = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
	if got := CID([]byte("hello world")); got != want {
		t.Fatalf("CID = %s, want %s", got, want)
	}
}

func TestTiersCommitToTheirArt(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range all {
		t.Run(fmt.Sprint(b.Tier), func(t *testing.T) {
			var m struct {
				Name           string `json:"name"`
				Decimals       int    `json:"decimals"`
				Image          string `json:"image"`
				ImageIntegrity string `json:"image_integrity"`
				ImageMimetype  string `json:"image_mimetype"`
			}
			if err := json.Unmarshal(b.Metadata, &m); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("Kinetic Provider Tier %d", b.Tier); m.Name != want {
				t.Errorf("name %q, want %q (the ASA name)", m.Name, want)
			}
			if m.Image != "ipfs://"+CID(b.Image) {
				t.Errorf("image %s does not address the art", m.Image)
			}
			sum := sha256.Sum256(b.Image)
			if m.ImageIntegrity != "sha256-"+base64.StdEncoding.EncodeToString(sum[:]) {
				t.Errorf("image_integrity does not match the art")
			}
			if m.ImageMimetype != "image/svg+xml" || m.Decimals != 0 {
				t.Errorf("mimetype %q decimals %d", m.ImageMimetype, m.Decimals)
			}
			if b.Hash != sha256.Sum256(b.Metadata) {
				t.Errorf("hash is not SHA-256 of the metadata")
			}
			if !strings.HasPrefix(b.URL, "ipfs://bafkrei") || !strings.HasSuffix(b.URL, "#arc3") || len(b.URL) > 96 {
				t.Errorf("url %q", b.URL)
			}
		})
	}
	if _, err := Tier(4); err == nil {
		t.Error("tier 4 accepted")
	}
}
