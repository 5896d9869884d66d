package proof

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testDocument(t testing.TB) []byte {
	t.Helper()
	doc, err := Marshal(buildChain(t, testJobID("a"), testSigner(t, "provider"), "c"))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	doc := testDocument(t)
	c, err := Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(c, nil, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), doc) {
		t.Errorf("re-encoded document differs:\n%s\n%s", buf.Bytes(), doc)
	}
	canon, err := Canonicalize(json.RawMessage(doc))
	if err != nil || !bytes.Equal(canon, doc) {
		t.Errorf("document is not in canonical form: %v", err)
	}
	for _, want := range []string{`"version":1`, `"publicKey":"`, `"kind":"payment_released"`, `"at":"2026-03-01T12:00:09Z"`} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("document lacks %s", want)
		}
	}
}

// Another implementation may indent and order keys as it likes: bodies are
// hashed in canonical form, so the chain still verifies.
func TestDecodeAcceptsAnySpelling(t *testing.T) {
	var generic any
	if err := json.Unmarshal(testDocument(t), &generic); err != nil {
		t.Fatal(err)
	}
	pretty, err := json.MarshalIndent(generic, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pretty = bytes.ReplaceAll(pretty, []byte(`"exitCode": 0`), []byte(`"exitCode": 0.0e0`))
	c, err := Unmarshal(pretty)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(c, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestChainJSONMethods(t *testing.T) {
	c := buildChain(t, testJobID("a"), testSigner(t, "provider"), "c")
	wrapped, err := json.Marshal(struct {
		Proof *Chain `json:"proof"`
	}{c})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Proof *Chain `json:"proof"`
	}
	if err := json.Unmarshal(wrapped, &back); err != nil {
		t.Fatal(err)
	}
	if err := Verify(back.Proof, &c.JobID, c.Provider); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"proof":{"version":1}}`), &back); !IsReason(err, BadEncoding) {
		t.Errorf("embedded malformed chain: %v", err)
	}
}

// decodeRejectCase is a malformed variant of the test document and the
// step its BadEncoding names.
type decodeRejectCase struct {
	name string
	doc  string
	step int
}

// decodeRejectCases returns malformed variants of the document doc.
func decodeRejectCases(doc string) []decodeRejectCase {
	firstStep := strings.Index(doc, `{"at":`)
	return []decodeRejectCase{
		{"empty", "", 0},
		{"not an object", `[]`, 0},
		{"trailing data", doc + "{}", 0},
		{"invalid UTF-8", strings.Replace(doc, "CONSUMERADDRESS", "CONSUMER\xffADDRESS", 1), 0},
		{"unknown top-level field", strings.Replace(doc, `{"jobId"`, `{"extra":1,"jobId"`, 1), 0},
		{"field in other case", strings.Replace(doc, `"jobId"`, `"JobId"`, 1), 0},
		{"duplicate field", strings.Replace(doc, `{"jobId"`, `{"version":1,"jobId"`, 1), 0},
		{"missing field", strings.Replace(doc, `,"version":1`, ``, 1), 0},
		{"wrong version", strings.Replace(doc, `"version":1`, `"version":2`, 1), 0},
		{"version as string", strings.Replace(doc, `"version":1`, `"version":"1"`, 1), 0},
		{"upper-case job id", upperHex(doc, "jobId"), 0},
		{"unknown provider field", strings.Replace(doc, `{"publicKey"`, `{"address":"X","publicKey"`, 1), 0},
		{"provider key of wrong length", strings.Replace(doc, `"publicKey":"`, `"publicKey":"AAAA`, 1), 0},
		{"steps not an array", doc[:strings.Index(doc, `"steps":`)] + `"steps":{},"version":1}`, 0},
		{"unknown step field", doc[:firstStep] + `{"x":1,` + doc[firstStep+1:], 1},
		{"index as float", strings.Replace(doc, `"index":1,`, `"index":1.0,`, 1), 1},
		{"index as string", strings.Replace(doc, `"index":1,`, `"index":"1",`, 1), 1},
		{"time with offset", strings.Replace(doc, `12:00:01Z`, `13:00:01+01:00`, 1), 1},
		{"time with fraction", strings.Replace(doc, `12:00:01Z`, `12:00:01.5Z`, 1), 1},
		{"time invalid", strings.Replace(doc, `2026-03-01T12:00:01Z`, `2026-02-30T12:00:01Z`, 1), 1},
		{"body not an object", stringBody(doc), 1},
		{"body with lone surrogate", strings.Replace(doc, `CONSUMERADDRESS`, `\ud800`, 1), 0},
		{"upper-case hash", upperHex(doc, "hash"), 1},
		{"signature not base64", strings.Replace(doc, `"signature":"`, `"signature":"*`, 1), 1},
		{"signature unpadded", unpadSignature(doc), 1},
		{"signature with a line break", strings.Replace(doc, `"signature":"`, `"signature":"\n`, 1), 1},
		{"provider key with a line break", strings.Replace(doc, `"publicKey":"`, `"publicKey":"\r\n`, 1), 0},
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range decodeRejectCases(string(testDocument(t))) {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Unmarshal([]byte(tc.doc))
			if c != nil {
				t.Fatal("a chain came back with the error")
			}
			checkReason(t, err, tc.step, BadEncoding)
		})
	}
}

// upperHex upper-cases the first 64-digit hex value of field key.
func upperHex(doc, key string) string {
	i := strings.Index(doc, `"`+key+`":"`) + len(key) + 4
	return doc[:i] + strings.ToUpper(doc[i:i+64]) + doc[i+64:]
}

// stringBody replaces the first step's body (an object without nested
// objects) with a string.
func stringBody(doc string) string {
	i := strings.Index(doc, `"body":{`) + len(`"body":`)
	j := i + strings.Index(doc[i:], "}") + 1
	return doc[:i] + `"x"` + doc[j:]
}

func unpadSignature(doc string) string {
	// A 64-byte signature is 88 base64 characters ending in "==".
	i := strings.Index(doc, `"signature":"`) + len(`"signature":"`)
	return doc[:i+86] + doc[i+88:]
}

func TestDecodeSizeCap(t *testing.T) {
	doc := testDocument(t)
	padded := append(bytes.Repeat([]byte(" "), MaxDocumentSize-len(doc)), doc...)
	if _, err := Decode(bytes.NewReader(padded)); err != nil {
		t.Fatalf("document of exactly the cap: %v", err)
	}
	padded = append(padded, ' ')
	_, err := Decode(bytes.NewReader(padded))
	checkReason(t, err, 0, BadEncoding)
	if !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("unclear error: %v", err)
	}
}

func TestVerifyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "proof.json")
	doc := testDocument(t)
	if err := os.WriteFile(good, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	job := testJobID("a")
	if c, err := VerifyFile(good, &job, nil); err != nil || !c.Complete() {
		t.Fatalf("VerifyFile: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	tampered := bytes.Replace(doc, []byte(`"exitCode":0`), []byte(`"exitCode":1`), 1)
	if err := os.WriteFile(bad, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := VerifyFile(bad, &job, nil)
	if c == nil {
		t.Error("no chain returned with the verification error")
	}
	checkReason(t, err, 6, BadHash)
	if _, err := VerifyFile(filepath.Join(dir, "absent.json"), nil, nil); err == nil {
		t.Error("absent file accepted")
	}
}
