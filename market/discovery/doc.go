// Package discovery finds Kinetic providers on-chain: it lists the
// Registry's provider boxes straight from algod (paged include=values
// pinned to one round, with a fallback to concurrent per-box reads on
// nodes without paging), caches them in bbolt, filters and ranks them, and
// confirms a candidate with its signed GET /v1/info.
package discovery
