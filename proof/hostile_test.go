package proof

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// hostileCase is a document near MaxDocumentSize built to make a decoder
// or verifier slow (deep or wide nesting, long literals, many keys, many
// steps), with the first failure it must report.
type hostileCase struct {
	name   string
	doc    []byte
	step   int
	reason Reason
	detail string // part of the error's text
}

// hostileDocuments returns the hostile cases, each built from the valid
// test document by adding a field "x" to step 4's body (whose value starts
// at depth 5 of the document), so that the chain decodes and fails at step
// 4's hash, or by adding steps.
func hostileDocuments(t testing.TB) []hostileCase {
	valid := testDocument(t)
	room := MaxDocumentSize - len(valid) - 64
	inject := func(payload string) []byte {
		doc := bytes.Replace(valid, []byte(`"gpus":["GPU-0"]`), []byte(`"gpus":["GPU-0"],"x":`+payload), 1)
		if len(doc) > MaxDocumentSize {
			t.Fatalf("hostile document of %d bytes", len(doc))
		}
		return doc
	}
	var keys strings.Builder
	keys.WriteString("{")
	for i := 0; keys.Len() < room-16; i++ {
		fmt.Fprintf(&keys, `"k%d":0,`, i)
	}
	manyKeys := strings.TrimSuffix(keys.String(), ",") + "}"
	first := bytes.Index(valid, []byte(`[{"at"`)) + 1
	second := bytes.Index(valid, []byte(`,{"at"`))
	step1 := string(valid[first:second])
	stepsOf := func(n int) []byte {
		steps := strings.TrimSuffix(strings.Repeat(step1+",", n), ",")
		return []byte(string(valid[:first]) + steps + `],"version":1}`)
	}
	atBody := func(reason Reason, detail string, doc []byte) hostileCase {
		return hostileCase{doc: doc, step: 4, reason: reason, detail: detail}
	}
	cases := []hostileCase{
		atBody(BadHash, "recorded hash", inject("["+strings.Repeat("1e-7,", room/5-1)+"1]")),
		atBody(BadHash, "recorded hash", inject("["+strings.Repeat("{},", room/3-1)+"{}]")),
		atBody(BadHash, "recorded hash", inject(strings.Repeat("[", 60)+strings.Repeat("0,", room/2-64)+"0"+strings.Repeat("]", 60))),
		atBody(BadHash, "recorded hash", inject(`"`+strings.Repeat(`\ud83d\ude00`, room/12)+`"`)),
		{doc: inject("0." + strings.Repeat("0", room-8) + "1"), reason: BadEncoding, detail: "number literal longer than 100"},
		{doc: inject("1" + strings.Repeat("0", room-16) + "e-999999"), reason: BadEncoding, detail: "number literal longer than 100"},
		atBody(BadHash, "recorded hash", inject(manyKeys)),
		{doc: inject("4" + strings.Repeat("9", room-8)), reason: BadEncoding, detail: "number literal longer than 100"},
		atBody(BadEncoding, "beyond", inject("4"+strings.Repeat("9", 99))),
		atBody(BadHash, "recorded hash", inject("1"+strings.Repeat("0", 88)+"e-99999999")),
		{doc: inject(strings.Repeat("[", 61) + strings.Repeat("]", 61)), step: 0, reason: BadEncoding, detail: "nesting too deep"},
		{doc: stepsOf(NumSteps + 1), step: NumSteps + 1, reason: BadEncoding, detail: "holds 10 steps"},
		{doc: stepsOf((MaxDocumentSize - len(valid)) / (len(step1) + 1)), step: NumSteps + 1, reason: BadEncoding, detail: "steps; a chain has at most 9"},
	}
	names := []string{"numbers", "objects", "nested", "escapes", "long fraction", "long exponent",
		"many keys", "long integer", "integer of 100 digits", "100-character number", "too deep", "ten steps", "a thousand steps"}
	for i := range cases {
		cases[i].name = names[i]
	}
	return cases
}

// TestDecodeVerifyHostileDocuments checks that each hostile document
// fails exactly where it should. BenchmarkDecodeVerifyHostile measures
// what they cost.
func TestDecodeVerifyHostileDocuments(t *testing.T) {
	for _, tc := range hostileDocuments(t) {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Unmarshal(tc.doc)
			if err == nil {
				err = Verify(c, nil, nil)
			}
			checkReason(t, err, tc.step, tc.reason)
			if err != nil && !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not say %q", err, tc.detail)
			}
		})
	}
}

// BenchmarkDecodeVerifyHostile decodes and verifies each hostile document
// (about 1 MiB). Compare with BenchmarkDecodeVerifyValid, whose document
// is about 280 times smaller: a cost linear in size (n log n where object
// keys are sorted) keeps each case within a few hundred times its cost.
func BenchmarkDecodeVerifyHostile(b *testing.B) {
	for _, tc := range hostileDocuments(b) {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.doc)))
			for b.Loop() {
				if c, err := Unmarshal(tc.doc); err == nil {
					_ = Verify(c, nil, nil)
				}
			}
		})
	}
}

// BenchmarkDecodeVerifyValid decodes and verifies the valid test document.
func BenchmarkDecodeVerifyValid(b *testing.B) {
	doc := testDocument(b)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		c, err := Unmarshal(doc)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(c, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
