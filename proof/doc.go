// Package proof builds, signs, encodes and verifies the nine-step proof-of-
// compute hash chain. It depends on the standard library's crypto only.
package proof
