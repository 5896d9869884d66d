package proof

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testKey derives a deterministic key, so that chains (and the fuzz seed)
// are the same on every run.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("kinetic proof test key: " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func testJobID(name string) JobID { return JobID(sha256.Sum256([]byte("job: " + name))) }

func testSigner(t testing.TB, name string) *KeySigner {
	t.Helper()
	s, err := NewKeySigner(testKey(name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testBodies are the nine bodies of a typical job; container names the
// container of step 5, so that two runs of a job can differ from there on.
func testBodies(container string) []any {
	return []any{
		NewJobReceived(sha256.Sum256([]byte("spec")), "CONSUMERADDRESS"),
		NewEscrowLocked(1001, "LOCKTX", 12, 2_500_000),
		NewImageVerified("kinetic-test/busybox:1", "sha256:"+Hash(sha256.Sum256([]byte("img"))).String()),
		NewResourcesAllocated(1.5, 512, []string{"GPU-0"}),
		NewExecutionStarted(container),
		NewExecutionFinished(0, 3.25, false),
		NewOutputHashed(sha256.Sum256([]byte("out")), 10240),
		NewResultAnchored("SUBMITTX", 14, 1001),
		NewPaymentReleased("RELEASETX", 15, SettlementRelease, 2_400_000),
	}
}

// appendSteps appends the steps from the builder's next one through step
// last, step i at testStart + i seconds.
func appendSteps(t testing.TB, b *Builder, bodies []any, last int) {
	t.Helper()
	for {
		kind, ok := b.Next()
		i := kind.Index()
		if !ok || i > last {
			return
		}
		at := testStart.Add(time.Duration(i) * time.Second)
		if _, err := b.Append(context.Background(), kind, bodies[i-1], at); err != nil {
			t.Fatalf("append %s: %v", kind, err)
		}
	}
}

func buildChain(t testing.TB, job JobID, signer Signer, container string) *Chain {
	t.Helper()
	b, err := NewBuilder(job, signer)
	if err != nil {
		t.Fatal(err)
	}
	appendSteps(t, b, testBodies(container), NumSteps)
	return b.Chain()
}

func TestBuilderBuildsVerifiableChain(t *testing.T) {
	job, signer := testJobID("a"), testSigner(t, "provider")
	b, err := NewBuilder(job, signer)
	if err != nil {
		t.Fatal(err)
	}
	bodies := testBodies("c1")
	for i := 0; i <= NumSteps; i++ {
		if err := VerifyPartial(b.Chain(), &job, signer.PublicKey()); err != nil {
			t.Fatalf("prefix of %d steps: %v", i, err)
		}
		if _, ok := b.AnchorHash(); ok != (i >= AnchorIndex) {
			t.Errorf("after %d steps AnchorHash ok = %v", i, ok)
		}
		if i < NumSteps {
			err := Verify(b.Chain(), &job, nil)
			if !IsReason(err, MissingStep) || err.(*VerifyError).Step != i+1 {
				t.Errorf("Verify of %d steps = %v, want missing step %d", i, err, i+1)
			}
			appendSteps(t, b, bodies, i+1)
		}
	}
	c := b.Chain()
	if err := Verify(c, &job, signer.PublicKey()); err != nil {
		t.Fatal(err)
	}
	want, _ := b.AnchorHash()
	got, err := AnchorHash(c)
	if err != nil || got != want || got != c.Steps[6].Hash {
		t.Errorf("AnchorHash = %s, %v; builder says %s", got, err, want)
	}
	if c.Steps[0].Prev != Hash(job) {
		t.Error("hash_0 is not the job id")
	}
	var out OutputHashed
	if err := c.Steps[6].DecodeBody(&out); err != nil || out != bodies[6] {
		t.Errorf("DecodeBody = %+v, %v", out, err)
	}
}

func TestBuilderAppendRejects(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		kind StepKind
		body any
		want error
	}{
		{"skip", KindImageVerified, nil, ErrOutOfOrder},
		{"repeat", KindJobReceived, nil, ErrOutOfOrder},
		{"unknown kind", StepKind("job_done"), nil, ErrOutOfOrder},
		{"body of another kind", KindEscrowLocked, NewImageVerified("a", "b"), ErrInvalidBody},
		{"invalid body", KindEscrowLocked, NewEscrowLocked(1, "", 1, 1), ErrInvalidBody},
		{"not an object", KindEscrowLocked, []int{1}, ErrInvalidBody},
		{"amount beyond 2^53", KindEscrowLocked, NewEscrowLocked(1, "TX", 1, 1<<60), ErrInvalidBody},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := NewBuilder(testJobID("a"), testSigner(t, "p"))
			if err != nil {
				t.Fatal(err)
			}
			appendSteps(t, b, testBodies("c"), 1)
			if _, err := b.Append(ctx, tc.kind, tc.body, testStart); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if n := len(b.Chain().Steps); n != 1 {
				t.Errorf("chain has %d steps after a rejected append", n)
			}
		})
	}
}

func TestBuilderAfterCompleteAndCancelled(t *testing.T) {
	b, err := NewBuilder(testJobID("a"), testSigner(t, "p"))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Append(cancelled, KindJobReceived, nil, testStart); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled append: %v", err)
	}
	appendSteps(t, b, testBodies("c"), NumSteps)
	if _, ok := b.Next(); ok {
		t.Error("Next reports a step after the ninth")
	}
	if _, err := b.Append(context.Background(), KindPaymentReleased, nil, testStart); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("tenth append: %v", err)
	}
}

func TestBuilderClampsTimes(t *testing.T) {
	b, err := NewBuilder(testJobID("a"), testSigner(t, "p"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	late := testStart.Add(90*time.Second + 600*time.Millisecond).In(time.FixedZone("X", 3600))
	if _, err := b.Append(ctx, KindJobReceived, nil, late); err != nil {
		t.Fatal(err)
	}
	s, err := b.Append(ctx, KindEscrowLocked, nil, testStart) // clock stepped back
	if err != nil {
		t.Fatal(err)
	}
	if want := testStart.Add(90 * time.Second); !s.At.Equal(want) || s.At.Location() != time.UTC {
		t.Errorf("At = %v, want %v UTC", s.At, want)
	}
	if _, err := b.Append(ctx, KindImageVerified, nil, time.Time{}); err == nil {
		t.Error("zero time accepted")
	}
	if err := VerifyPartial(b.Chain(), nil, nil); err != nil {
		t.Fatal(err)
	}
}

// lyingSigner signs with one key and claims another.
type lyingSigner struct {
	*KeySigner
	claimed ed25519.PublicKey
}

func (s lyingSigner) PublicKey() ed25519.PublicKey { return s.claimed }

func TestBuilderChecksSigner(t *testing.T) {
	liar := lyingSigner{testSigner(t, "real"), testSigner(t, "claimed").PublicKey()}
	b, err := NewBuilder(testJobID("a"), liar)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(context.Background(), KindJobReceived, nil, testStart); !errors.Is(err, ErrSigner) {
		t.Errorf("got %v, want ErrSigner", err)
	}
	if _, err := NewBuilder(testJobID("a"), nil); !errors.Is(err, ErrSigner) {
		t.Errorf("nil signer: %v", err)
	}
	if _, err := NewKeySigner(make([]byte, 10)); err == nil {
		t.Error("short private key accepted")
	}
}

func TestResumeBuilder(t *testing.T) {
	job, signer := testJobID("a"), testSigner(t, "p")
	whole := buildChain(t, job, signer, "c")

	b, err := NewBuilder(job, signer)
	if err != nil {
		t.Fatal(err)
	}
	appendSteps(t, b, testBodies("c"), 4)
	doc, err := Marshal(b.Chain()) // the provider persists, then restarts
	if err != nil {
		t.Fatal(err)
	}
	partial, err := Unmarshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := ResumeBuilder(partial, signer)
	if err != nil {
		t.Fatal(err)
	}
	appendSteps(t, resumed, testBodies("c"), NumSteps)
	got, err := Marshal(resumed.Chain())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("resumed chain differs from one built in one go")
	}

	if _, err := ResumeBuilder(partial, testSigner(t, "other")); !IsReason(err, WrongProvider) {
		t.Errorf("resume with another key: %v", err)
	}
	partial.Steps[2].Body = []byte(`{"image":"evil","digest":"x"}`)
	if _, err := ResumeBuilder(partial, signer); !IsReason(err, BadHash) {
		t.Errorf("resume of a tampered chain: %v", err)
	}
}

// Readers may watch a chain while the provider appends to it.
func TestBuilderConcurrentReaders(t *testing.T) {
	job, signer := testJobID("a"), testSigner(t, "p")
	b, err := NewBuilder(job, signer)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 3 {
		go func() {
			for {
				c := b.Chain()
				if err := VerifyPartial(c, &job, signer.PublicKey()); err != nil || c.Complete() {
					done <- err
					return
				}
			}
		}()
	}
	appendSteps(t, b, testBodies("c"), NumSteps)
	for range 3 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestDecodeBodyIsExactlyTheHashedSchema: encoding/json alone would read
// {"specHash":"aa","SPECHASH":"bb"} as SpecHash "bb" while the hash covers
// both keys and another verifier reads "aa".
func TestDecodeBodyIsExactlyTheHashedSchema(t *testing.T) {
	const consumer = "CONSUMERADDRESS"
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"exact", `{"consumer":"` + consumer + `","specHash":"aa"}`, true},
		{"exact, other key order", `{"specHash":"aa","consumer":"` + consumer + `"}`, true},
		{"case-folded duplicate", `{"consumer":"` + consumer + `","specHash":"aa","SPECHASH":"bb"}`, false},
		{"differently cased key", `{"Consumer":"` + consumer + `","specHash":"aa"}`, false},
		{"exact duplicate", `{"consumer":"` + consumer + `","specHash":"aa","specHash":"bb"}`, false},
		{"missing key", `{"specHash":"aa"}`, false},
		{"unknown key", `{"consumer":"` + consumer + `","specHash":"aa","extra":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Step{Index: 1, Kind: KindJobReceived, Body: json.RawMessage(tt.body)}
			var out JobReceived
			err := s.DecodeBody(&out)
			if tt.ok {
				if err != nil || out.SpecHash != "aa" || out.Consumer != consumer {
					t.Fatalf("DecodeBody = %+v, %v", out, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeBody accepted %s as %+v", tt.body, out)
			}
		})
	}
}
