package app

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
)

// Secret is a string that never prints: fmt, slog, JSON and a panic show
// "[redacted]" in its place (or nothing when it is empty). Convert it with
// string(s) where the value itself is needed, as the algod client does.
type Secret string

// redacted stands in for a secret's value.
const redacted = "[redacted]"

// String returns "[redacted]" for a non-empty secret and "" for an empty
// one, so that a missing secret is still visible as missing.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts the %#v form.
func (s Secret) GoString() string { return fmt.Sprintf("app.Secret(%q)", s.String()) }

// Format redacts every verb (%s, %v, %q, %x, …).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// LogValue redacts the secret in log records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText redacts the secret in JSON and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// secretFlag is the flag.Value of a secret flag. Its String is always
// empty, so that usage text never shows a default: the default comes from
// an environment variable and would otherwise be printed by -h, help and
// every flag error.
type secretFlag struct{ dst *Secret }

// String returns "" whatever the value.
func (secretFlag) String() string { return "" }

// Set stores v.
func (f secretFlag) Set(v string) error { *f.dst = Secret(v); return nil }

// secretVar declares the secret flag name into dst, defaulting to the
// environment variable env; usage names the variable, never its value.
func secretVar(fs *flag.FlagSet, dst *Secret, name, env, usage string) {
	*dst = Secret(os.Getenv(env))
	fs.Var(secretFlag{dst}, name, usage+" (env "+env+"; never printed)")
}
