package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// microPerAlgo is the number of microAlgos in one ALGO.
const microPerAlgo = 1_000_000

// formatAlgo prints microAlgos as ALGO with all six decimals, so that an
// amount of money is never rounded on screen: 1500000 → "1.500000 ALGO".
func formatAlgo(micro uint64) string {
	return fmt.Sprintf("%d.%06d ALGO", micro/microPerAlgo, micro%microPerAlgo)
}

// formatSignedAlgo prints a signed flow in microAlgos with its sign.
func formatSignedAlgo(micro int64) string {
	if micro < 0 {
		return "−" + formatAlgo(uint64(-micro))
	}
	return "+" + formatAlgo(uint64(micro))
}

// Validation messages of ALGO amount fields.
var (
	errAmountEmpty    = errors.New("enter an amount in ALGO, e.g. 1.5")
	errAmountSyntax   = errors.New("an amount is digits with an optional decimal point, e.g. 1.5")
	errAmountDecimals = errors.New("at most 6 decimal places (1 microAlgo = 0.000001 ALGO)")
	errAmountZero     = errors.New("enter an amount greater than zero")
	errAmountTooLarge = errors.New("that amount is larger than any account can hold")
)

// parseAlgoInput reads a positive ALGO amount typed by the user into microAlgos,
// exactly (no floating point).
func parseAlgoInput(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errAmountEmpty
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") || !digits(whole) || !digits(frac) {
		return 0, errAmountSyntax
	}
	if len(frac) > 6 {
		return 0, errAmountDecimals
	}
	frac += strings.Repeat("0", 6-len(frac))
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > (1<<63)/microPerAlgo {
		return 0, errAmountTooLarge
	}
	f, _ := strconv.ParseUint(frac, 10, 64)
	micro := w*microPerAlgo + f
	if micro == 0 {
		return 0, errAmountZero
	}
	return micro, nil
}

// digits reports whether s is only ASCII digits (the empty string is).
func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// shortAddress abbreviates an Algorand address for lists: "ABCDEF…WXYZ".
func shortAddress(a string) string {
	if len(a) <= 14 {
		return a
	}
	return a[:6] + "…" + a[len(a)-4:]
}

// itoa prints an unsigned integer in decimal.
func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
