package proof

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeVerify feeds arbitrary documents to Unmarshal and the
// verifiers. Nothing may panic; every failure must be a *VerifyError; a
// decoded chain must re-encode to a document that decodes and verifies the
// same way; and the untouched valid seed must verify.
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
		checkVerifyError(t, verr)
		if IsReason(verr, MissingStep) { // otherwise it fails as Verify did
			checkVerifyError(t, VerifyPartial(c, &c.JobID, c.Provider))
		}
		if len(c.Steps) >= AnchorIndex {
			_, aerr := AnchorHash(c)
			checkVerifyError(t, aerr)
		}
		checkReencoding(t, c, verr)
	})
}

func checkVerifyError(t *testing.T, err error) {
	t.Helper()
	var ve *VerifyError
	if err != nil && !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *VerifyError", err)
	}
}

// checkReencoding re-encodes a decoded chain and checks that the result
// decodes to a chain that verifies exactly as c did (verr), and encodes
// to the same bytes again.
func checkReencoding(t *testing.T, c *Chain, verr error) {
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
	verr2 := Verify(again, nil, nil)
	var ve, ve2 *VerifyError
	errors.As(verr, &ve)
	errors.As(verr2, &ve2)
	if (ve == nil) != (ve2 == nil) || ve != nil && (ve.Step != ve2.Step || ve.Reason != ve2.Reason) {
		t.Fatalf("verification changed across re-encoding: %v, then %v", verr, verr2)
	}
	doc2, err := Marshal(again)
	if err != nil || !bytes.Equal(doc, doc2) {
		t.Fatalf("encoding is not stable: %v", err)
	}
}
