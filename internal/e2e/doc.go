// Package e2e runs Kinetic end to end as separate processes: its tests
// build the kinetic binary once and start a provider instance (`kinetic
// provide --headless`) and a consumer instance (`kinetic submit`), each
// with its own data dir and its own key imported with `kinetic wallet
// import` and funded with `kinetic wallet fund`, on the shared LocalNet and
// Docker engine, and check every scenario against the chain: balances, the
// escrow box, the Registry's reputation counters and the badge.
package e2e
