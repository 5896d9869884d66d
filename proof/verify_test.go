package proof

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// resign recomputes prev, hash and signature of every step from position
// from on, as a provider holding key could, to build validly signed but
// otherwise wrong chains.
func resign(t *testing.T, c *Chain, key ed25519.PrivateKey, from int) {
	t.Helper()
	for p := from; p <= len(c.Steps); p++ {
		s := &c.Steps[p-1]
		s.Prev = Hash(c.JobID)
		if p > 1 {
			s.Prev = c.Steps[p-2].Hash
		}
		h, err := s.Link(s.Prev)
		if err != nil {
			t.Fatal(err)
		}
		s.Hash = h
		s.Signature = sigframe.Sign(key, Domain, h[:])
	}
}

// tamperCase alters a valid chain; Verify must then fail at step with
// reason.
type tamperCase struct {
	name   string
	mutate func(t *testing.T, c *Chain)
	step   int
	reason Reason
	// inDoc: the tampering survives Marshal/Unmarshal, so the decoded
	// document must fail the same way.
	inDoc bool
}

func tamperCases(job JobID, key, other ed25519.PrivateKey) []tamperCase {
	return []tamperCase{
		{"body field flipped", func(_ *testing.T, c *Chain) {
			c.Steps[5].Body = []byte(`{"exitCode":1,"oomKilled":false,"seconds":3.25}`)
		}, 6, BadHash, true},
		{"time changed", func(_ *testing.T, c *Chain) { c.Steps[2].At = c.Steps[2].At.Add(time.Second) }, 3, BadHash, true},
		{"hash changed", func(_ *testing.T, c *Chain) { c.Steps[2].Hash[0] ^= 1 }, 3, BadHash, true},
		{"prev changed", func(_ *testing.T, c *Chain) { c.Steps[4].Prev[31] ^= 1 }, 5, BadLink, true},
		{"job id in document changed", func(_ *testing.T, c *Chain) {
			c.JobID = testJobID("b")
			for i := range c.Steps {
				c.Steps[i].JobID = c.JobID
			}
		}, 1, BadLink, true},
		{"spliced from a fork", func(t *testing.T, c *Chain) {
			fork := buildChain(t, job, mustSigner(t, key), "another container")
			copy(c.Steps[5:], fork.Steps[5:])
		}, 6, BadLink, true},
		{"two steps swapped", func(_ *testing.T, c *Chain) {
			c.Steps[2], c.Steps[3] = c.Steps[3], c.Steps[2]
		}, 3, WrongOrder, true},
		{"kind does not match index", func(t *testing.T, c *Chain) {
			c.Steps[1].Kind = KindImageVerified
			resign(t, c, key, 2)
		}, 2, WrongOrder, true},
		{"time goes backwards", func(t *testing.T, c *Chain) {
			c.Steps[4].At = c.Steps[3].At.Add(-time.Second)
			resign(t, c, key, 5)
		}, 5, WrongOrder, true},
		{"step dropped", func(_ *testing.T, c *Chain) {
			c.Steps = append(c.Steps[:3], c.Steps[4:]...)
		}, 4, MissingStep, true},
		{"last step dropped", func(_ *testing.T, c *Chain) { c.Steps = c.Steps[:8] }, 9, MissingStep, true},
		{"step duplicated", func(_ *testing.T, c *Chain) {
			c.Steps = append(c.Steps[:4], c.Steps[3:]...)
		}, 5, Duplicate, false}, // ten steps: a document of them fails to decode (TestDecodeVerifyHostileDocuments)
		{"tenth step", func(_ *testing.T, c *Chain) { c.Steps = append(c.Steps, c.Steps[8]) }, 10, Duplicate, false},
		{"step of another job", func(_ *testing.T, c *Chain) { c.Steps[1].JobID = testJobID("b") }, 2, WrongJob, false},
		{"signature by another key", func(_ *testing.T, c *Chain) {
			c.Steps[3].Signature = sigframe.Sign(other, Domain, c.Steps[3].Hash[:])
		}, 4, BadSignature, true},
		{"signature in another domain", func(_ *testing.T, c *Chain) {
			c.Steps[3].Signature = sigframe.Sign(key, "request", c.Steps[3].Hash[:])
		}, 4, BadSignature, true},
		{"signature of another step", func(_ *testing.T, c *Chain) {
			c.Steps[3].Signature = c.Steps[2].Signature
		}, 4, BadSignature, true},
		{"signature truncated", func(_ *testing.T, c *Chain) {
			c.Steps[7].Signature = c.Steps[7].Signature[:63]
		}, 8, BadSignature, true},
		{"provider key replaced", func(_ *testing.T, c *Chain) {
			c.Provider = other.Public().(ed25519.PublicKey)
		}, 1, BadSignature, true},
		{"provider key malformed", func(_ *testing.T, c *Chain) { c.Provider = c.Provider[:31] }, 0, BadEncoding, false},
		{"index out of range", func(_ *testing.T, c *Chain) { c.Steps[0].Index = 0 }, 1, BadEncoding, true},
		{"unknown kind", func(_ *testing.T, c *Chain) { c.Steps[0].Kind = "job_accepted" }, 1, BadEncoding, true},
		{"body with duplicate keys", func(_ *testing.T, c *Chain) {
			c.Steps[0].Body = []byte(`{"a":1,"a":2}`)
		}, 1, BadEncoding, false},
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	job, key := testJobID("a"), testKey("provider")
	for _, tc := range tamperCases(job, key, testKey("intruder")) {
		t.Run(tc.name, func(t *testing.T) {
			c := buildChain(t, job, mustSigner(t, key), "c")
			tc.mutate(t, c)
			checkReason(t, Verify(c, nil, nil), tc.step, tc.reason)
			if !tc.inDoc {
				return
			}
			doc, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := Unmarshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			checkReason(t, Verify(decoded, nil, nil), tc.step, tc.reason)
		})
	}
}

func mustSigner(t testing.TB, key ed25519.PrivateKey) *KeySigner {
	t.Helper()
	s, err := NewKeySigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkReason(t *testing.T, err error, step int, reason Reason) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *VerifyError", err)
	}
	if ve.Step != step || ve.Reason != reason || !IsReason(err, reason) {
		t.Errorf("got %v (step %d, %s), want step %d, %s", err, ve.Step, ve.Reason, step, reason)
	}
}

func TestVerifyExpectations(t *testing.T) {
	job, key := testJobID("a"), testKey("provider")
	other := testKey("intruder")
	c := buildChain(t, job, mustSigner(t, key), "c")
	pub := key.Public().(ed25519.PublicKey)
	if err := Verify(c, &job, pub); err != nil {
		t.Fatal(err)
	}
	otherJob := testJobID("b")
	checkReason(t, Verify(c, &otherJob, nil), 0, WrongJob)
	checkReason(t, VerifyPartial(c, &otherJob, nil), 0, WrongJob)
	checkReason(t, Verify(c, nil, other.Public().(ed25519.PublicKey)), 0, WrongProvider)

	// Another key re-signs everything and names itself: consistent in
	// itself, so only the expected provider exposes it.
	forged := c.Clone()
	forged.Provider = other.Public().(ed25519.PublicKey)
	resign(t, forged, other, 1)
	if err := Verify(forged, &job, nil); err != nil {
		t.Fatalf("self-consistent forgery: %v", err)
	}
	checkReason(t, Verify(forged, &job, pub), 0, WrongProvider)
	checkReason(t, Verify(nil, nil, nil), 0, BadEncoding)
}

func TestAnchorHash(t *testing.T) {
	c := buildChain(t, testJobID("a"), testSigner(t, "p"), "c")
	h, err := AnchorHash(c)
	if err != nil || h != c.Steps[AnchorIndex-1].Hash {
		t.Fatalf("AnchorHash = %s, %v", h, err)
	}
	short := c.Clone()
	short.Steps = short.Steps[:6]
	checkReason(t, func() error { _, err := AnchorHash(short); return err }(), 7, MissingStep)
	bad := c.Clone()
	bad.Steps[1].Body = []byte(`{}`)
	checkReason(t, func() error { _, err := AnchorHash(bad); return err }(), 2, BadHash)
	// Steps after the seventh do not matter to the anchor.
	late := c.Clone()
	late.Steps[8].Signature = nil
	if h, err := AnchorHash(late); err != nil || h != c.Steps[AnchorIndex-1].Hash {
		t.Errorf("AnchorHash with a bad step 9 = %s, %v", h, err)
	}
}

func TestIDsParse(t *testing.T) {
	id := testJobID("a")
	back, err := ParseJobID(id.String())
	if err != nil || back != id {
		t.Fatalf("round trip: %v", err)
	}
	for _, s := range []string{"", "00", id.String()[:63] + "G", "AB" + id.String()[2:], id.String() + "00"} {
		if _, err := ParseJobID(s); err == nil {
			t.Errorf("ParseJobID(%q) accepted", s)
		}
		if _, err := ParseHash(s); err == nil {
			t.Errorf("ParseHash(%q) accepted", s)
		}
	}
	text, _ := id.MarshalText()
	var parsed JobID
	if err := parsed.UnmarshalText(text); err != nil || parsed != id {
		t.Errorf("text round trip: %v", err)
	}
}

func BenchmarkBuildVerify(b *testing.B) {
	job, signer := testJobID("bench"), testSigner(b, "bench")
	pub := signer.PublicKey()
	for b.Loop() {
		c := buildChain(b, job, signer, "c")
		doc, err := Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		decoded, err := Unmarshal(doc)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(decoded, &job, pub); err != nil {
			b.Fatal(err)
		}
	}
}
