package proof

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical form.
func TestCanonicalizeNumbersRFC8785(t *testing.T) {
	cases := []struct {
		bits string
		want string
	}{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"}, // minus zero
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	}
	for _, tc := range cases {
		t.Run(tc.bits, func(t *testing.T) {
			checkFloat(t, tc.bits, tc.want)
		})
	}
}

func checkFloat(t *testing.T, bits, want string) {
	t.Helper()
	u, err := strconv.ParseUint(bits, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Canonicalize(math.Float64frombits(u))
	if err != nil {
		t.Fatalf("%s: %v", bits, err)
	}
	if string(got) != want {
		t.Errorf("%s: got %s, want %s", bits, got, want)
	}
}

// testdata/es6numbers.txt holds 2,000 pseudo-random doubles ("bits
// toString") written by Node.js 20's Number.prototype.toString.
func TestCanonicalizeNumbersAgainstECMAScript(t *testing.T) {
	f, err := os.Open("testdata/es6numbers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		bits, want, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		checkFloat(t, bits, want)
		n++
	}
	if err := sc.Err(); err != nil || n != 2000 {
		t.Fatalf("read %d vectors: %v", n, err)
	}
}

func TestCanonicalizeNumberLiterals(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{1e21, "1e+21"},
		{1e-7, "1e-7"},
		{0.000001, "0.000001"},
		{math.Copysign(0, -1), "0"},
		{333333333.33333329, "333333333.3333333"},
		{1e20, "100000000000000000000"},
		{float32(0.5), "0.5"},
		{json.Number("-0"), "0"},
		{json.Number("4.50"), "4.5"},
		{json.Number("1E30"), "1e+30"},
		{json.Number("2e-3"), "0.002"},
		{json.Number("9007199254740991"), "9007199254740991"},
		{json.Number("-9007199254740991"), "-9007199254740991"},
		{uint64(1 << 40), "1099511627776"},
		{int8(-7), "-7"},
	}
	for _, tc := range cases {
		got, err := Canonicalize(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("Canonicalize(%#v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	cases := map[string]any{
		"NaN":                 math.NaN(),
		"+Inf":                math.Inf(1),
		"-Inf":                math.Inf(-1),
		"big uint64":          uint64(1 << 53),
		"big literal":         json.Number("9007199254740992"),
		"huge literal":        json.Number("123456789012345678901234567890"),
		"malformed literal":   json.Number("0x10"),
		"float overflow":      json.Number("1e400"),
		"invalid UTF-8":       "\xff",
		"invalid UTF-8 key":   map[string]any{"\xfe": 1},
		"duplicate key":       json.RawMessage(`{"a":1,"a":2}`),
		"lone high surrogate": json.RawMessage(`"\ud800"`),
		"lone low surrogate":  json.RawMessage(`"\udc00x"`),
		"trailing data":       json.RawMessage(`{} {}`),
		"unsupported type":    make(chan int),
		"NaN in struct":       struct{ F float64 }{math.NaN()},
		"deep nesting":        json.RawMessage(strings.Repeat("[", 100) + strings.Repeat("]", 100)),
	}
	for name, v := range cases {
		if got, err := Canonicalize(v); !errors.Is(err, ErrNotCanonicalizable) {
			t.Errorf("%s: got %q, %v; want ErrNotCanonicalizable", name, got, err)
		}
	}
}

// RFC 8785 § 3.2.2 and § 3.2.3 examples, plus escaping edge cases.
func TestCanonicalizeDocuments(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{
			"rfc8785 3.2.2",
			`{
			  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
			  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
			  "literals": [null, true, false]
			}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			"rfc8785 3.2.3 key order",
			`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
		{
			"controls and specials",
			`["\u007f\u2028\u0000\b\f\t\u001f<>&"]`,
			"[\"\u007f\u2028\\u0000\\b\\f\\t\\u001f<>&\"]",
		},
		{"nested", `{"b":[{"z":1,"y":{}}],"a":[]}`, `{"a":[],"b":[{"y":{},"z":1}]}`},
		{"scalar", ` "x" `, `"x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonicalize(json.RawMessage(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Go values that encoding/json marshals canonicalize like their JSON.
func TestCanonicalizeStructs(t *testing.T) {
	got, err := Canonicalize(NewResourcesAllocated(0.5, 2048, nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"cpus":0.5,"gpus":[],"memoryMb":2048}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	got, err = Canonicalize(map[string]any{"html": "<&>", "n": []any{1, 2.5, nil}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"html":"<&>","n":[1,2.5,null]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
