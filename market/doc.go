// Package market owns provider discovery and matching, the provider agent
// (HTTP, x402, SSE) and the consumer agent (submit, monitor, verify, settle).
package market
