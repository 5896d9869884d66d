package proof

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzDecodeVerify feeds arbitrary documents to Unmarshal and the
// verifiers. Nothing may panic; every failure must be a *VerifyError;
// VerifyPartial and AnchorHash must fail exactly where Verify does (or
// not at all, past the steps they look at); a decoded chain must
// re-encode to a document that decodes to the same chain; and the
// untouched valid seed must verify.
//
// Each input is verified once in full (nine ed25519 verifications) and
// once more through AnchorHash (seven): the re-decoded chain is compared
// field by field rather than verified again, since Verify is a function
// of those fields alone. TestMain bounds how long the engine minimizes
// each new input (see fuzzMinimizeBudget): with Go's default of 60 s the
// minimizer's quadratic pass over a 5 KB document held the worker for the
// whole run, which showed as 0 execs/sec.
func FuzzDecodeVerify(f *testing.F) {
	valid := testDocument(f)
	f.Add(valid)
	for _, variant := range [][]byte{
		bytes.Replace(valid, []byte(`"exitCode":0`), []byte(`"exitCode":1`), 1),
		bytes.Replace(valid, []byte(`"index":4`), []byte(`"index":5`), 1),
		bytes.Replace(valid, []byte(`"kind":"image_verified"`), []byte(`"kind":"escrow_locked"`), 1),
		bytes.Replace(valid, []byte(`"version":1`), []byte(`"version":2`), 1),
		bytes.Replace(valid, []byte(`"gpus":["GPU-0"]`), []byte(`"gpus":["GPU-0"],"x":1e400`), 1),
		valid[:len(valid)/2],
		append(bytes.Clone(valid[:bytes.LastIndex(valid, []byte(`,{"at"`))]), []byte(`],"version":1}`)...),
		[]byte(`{"jobId":"","provider":{},"steps":[],"version":1}`),
		[]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`),
		[]byte(`"\ud800\udc00"`),
	} {
		f.Add(variant)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Unmarshal(data)
		if bytes.Equal(data, valid) && err != nil {
			t.Fatalf("valid seed rejected: %v", err)
		}
		if err != nil {
			if !IsReason(err, BadEncoding) || c != nil {
				t.Fatalf("decode error %v is not a BadEncoding *VerifyError", err)
			}
			return
		}
		verr := Verify(c, nil, nil)
		if bytes.Equal(data, valid) && verr != nil {
			t.Fatalf("valid seed fails: %v", verr)
		}
		ve := asVerifyError(t, verr)
		checkPartial(t, c, ve)
		checkAnchor(t, c, ve)
		checkReencoding(t, c)
	})
}

// asVerifyError returns err as a *VerifyError (nil for nil), failing the
// test when err is some other error.
func asVerifyError(t *testing.T, err error) *VerifyError {
	t.Helper()
	var ve *VerifyError
	if err != nil && !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *VerifyError", err)
	}
	return ve
}

// sameFailure reports whether two verification results name the same
// step and reason (or are both success).
func sameFailure(a, b *VerifyError) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Step == b.Step && a.Reason == b.Reason)
}

// checkPartial checks that VerifyPartial accepts a chain whose only fault
// under Verify is that it ends early, and otherwise fails as Verify did.
func checkPartial(t *testing.T, c *Chain, ve *VerifyError) {
	t.Helper()
	if ve == nil || ve.Step <= len(c.Steps) {
		return // VerifyPartial runs the same checks on these steps
	}
	if err := VerifyPartial(c, &c.JobID, c.Provider); err != nil {
		t.Fatalf("Verify fails only at the end (%v), VerifyPartial: %v", ve, err)
	}
}

// checkAnchor checks that AnchorHash fails where Verify failed within
// steps 1..7 and otherwise returns step 7's hash.
func checkAnchor(t *testing.T, c *Chain, ve *VerifyError) {
	t.Helper()
	if len(c.Steps) < AnchorIndex {
		return
	}
	h, err := AnchorHash(c)
	ae := asVerifyError(t, err)
	if ve != nil && ve.Step <= AnchorIndex {
		if !sameFailure(ve, ae) {
			t.Fatalf("Verify fails with %v, AnchorHash with %v", ve, err)
		}
		return
	}
	if err != nil || h != c.Steps[AnchorIndex-1].Hash {
		t.Fatalf("steps 1..%d verify, but AnchorHash = %s, %v", AnchorIndex, h, err)
	}
}

// checkReencoding re-encodes a decoded chain and checks that the result
// decodes to the same chain and encodes to the same bytes again.
func checkReencoding(t *testing.T, c *Chain) {
	t.Helper()
	doc, err := Marshal(c)
	if err != nil {
		t.Fatalf("decoded chain does not encode: %v", err)
	}
	if len(doc) > MaxDocumentSize {
		return // canonical numbers can be longer than their input
	}
	again, err := Unmarshal(doc)
	if err != nil {
		t.Fatalf("re-encoded document does not decode: %v\n%s", err, doc)
	}
	if !sameChain(c, again) {
		t.Fatalf("chain changed across re-encoding:\n%s", doc)
	}
	doc2, err := Marshal(again)
	if err != nil || !bytes.Equal(doc, doc2) {
		t.Fatalf("encoding is not stable: %v", err)
	}
}

// sameChain reports whether a and b agree on every field Verify reads.
// Bodies are compared as decoded: Unmarshal keeps them canonical.
func sameChain(a, b *Chain) bool {
	if a.JobID != b.JobID || !a.Provider.Equal(b.Provider) || len(a.Steps) != len(b.Steps) {
		return false
	}
	return slices.EqualFunc(a.Steps, b.Steps, func(x, y SignedStep) bool {
		return x.Index == y.Index && x.Kind == y.Kind && x.JobID == y.JobID && x.At.Equal(y.At) &&
			bytes.Equal(x.Body, y.Body) && x.Prev == y.Prev && x.Hash == y.Hash &&
			bytes.Equal(x.Signature, y.Signature)
	})
}
