package proof

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSafeInteger is the largest integer magnitude (2^53 − 1) that
// Canonicalize accepts for an integer value: every integer up to it has an
// exact IEEE 754 double, so it survives any conforming JSON implementation.
const MaxSafeInteger = 1<<53 - 1

// ErrNotCanonicalizable is wrapped by every Canonicalize error: a value that
// has no RFC 8785 form (NaN, ±Inf, an integer beyond MaxSafeInteger, invalid
// UTF-8, malformed or duplicate-keyed JSON, an unsupported Go type).
var ErrNotCanonicalizable = errors.New("proof: value has no canonical JSON form")

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of v.
//
// v may be nil, bool, string, any Go integer or float type, json.Number,
// json.RawMessage (parsed strictly: valid UTF-8, no duplicate keys, no lone
// surrogates), map[string]any, []any, or any other value that
// encoding/json marshals (it is marshalled, re-parsed and canonicalized).
// Object keys are sorted by their UTF-16 code units; numbers are written as
// ECMAScript's Number.prototype.toString writes them; strings are escaped
// as RFC 8785 § 3.2.2.2 prescribes.
//
// Stricter than RFC 8785 in one way: an integer (a Go integer, or a JSON
// number literal with neither fraction nor exponent) beyond MaxSafeInteger
// is an error rather than being rounded to the nearest double, so that two
// different integers can never share a canonical form.
func Canonicalize(v any) ([]byte, error) {
	var b strings.Builder
	if err := writeCanonical(&b, v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotCanonicalizable, err)
	}
	return []byte(b.String()), nil
}

func writeCanonical(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		return writeString(b, x)
	case json.Number:
		if !validNumber(string(x)) {
			return fmt.Errorf("malformed number %q", string(x))
		}
		return writeNumberLiteral(b, string(x))
	case float64:
		return writeFloat(b, x)
	case float32:
		return writeFloat(b, float64(x))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return writeNumberLiteral(b, fmt.Sprint(x))
	case json.RawMessage:
		parsed, err := parseJSON(x)
		if err != nil {
			return err
		}
		return writeCanonical(b, parsed)
	case map[string]any:
		return writeObject(b, x)
	case []any:
		return writeArray(b, x)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return writeCanonical(b, json.RawMessage(raw))
	}
	return nil
}

func writeArray(b *strings.Builder, arr []any) error {
	b.WriteByte('[')
	for i, e := range arr {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeCanonical(b, e); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

func writeObject(b *strings.Builder, obj map[string]any) error {
	type entry struct {
		key   string
		units []uint16
	}
	keys := make([]entry, 0, len(obj))
	for k := range obj {
		if !utf8.ValidString(k) {
			return fmt.Errorf("object key %q is not valid UTF-8", k)
		}
		keys = append(keys, entry{k, utf16.Encode([]rune(k))})
	}
	slices.SortFunc(keys, func(a, b entry) int { return slices.Compare(a.units, b.units) })
	b.WriteByte('{')
	for i, e := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeString(b, e.key); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := writeCanonical(b, obj[e.key]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// writeString escapes s as RFC 8785 § 3.2.2.2 (and ECMAScript's
// JSON.stringify) do: '"' and '\' with a backslash, the five controls with
// short forms as \b \t \n \f \r, the other controls as \u00xx (lower-case
// hex), everything else as its UTF-8 bytes.
func writeString(b *strings.Builder, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %q is not valid UTF-8", s)
	}
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return nil
}

// validNumber reports whether lit is exactly one JSON number literal.
func validNumber(lit string) bool {
	if lit == "" {
		return false
	}
	p := &parser{data: []byte(lit)}
	c := lit[0]
	if c != '-' && (c < '0' || c > '9') {
		return false
	}
	_, err := p.number()
	return err == nil && p.pos == len(lit)
}

// writeNumberLiteral writes a JSON number literal (or a Go integer's decimal
// form). Integer literals must lie within ±MaxSafeInteger; others are parsed
// as IEEE 754 doubles and written as ECMAScript does.
func writeNumberLiteral(b *strings.Builder, lit string) error {
	if !strings.ContainsAny(lit, ".eE") {
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil || n > MaxSafeInteger || n < -MaxSafeInteger {
			return fmt.Errorf("integer %s is malformed or beyond ±(2^53-1)", lit)
		}
		if n == 0 {
			b.WriteByte('0') // "-0" too
			return nil
		}
		b.WriteString(strconv.FormatInt(n, 10))
		return nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", lit, err)
	}
	return writeFloat(b, f)
}

// writeFloat writes f as ECMAScript's Number.prototype.toString does
// (ECMA-262 § 6.1.6.1.20), which RFC 8785 § 3.2.2.3 adopts: the shortest
// digits that round-trip, in plain notation for decimal exponents in
// [-6, 21) and in exponent notation ("1e+21", "1.5e-7") otherwise.
func writeFloat(b *strings.Builder, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("number %v is not finite", f)
	}
	if f == 0 {
		b.WriteByte('0') // -0 too
		return nil
	}
	if f < 0 {
		b.WriteByte('-')
		f = -f
	}
	// Shortest round-trip digits: "d.ddde±XX".
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, err := strconv.Atoi(exp)
	if err != nil {
		return fmt.Errorf("formatting %v: %w", f, err)
	}
	k, n := len(digits), x+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return nil
}
