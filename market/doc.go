// Package market is Kinetic's compute market. Its sub-packages hold the
// parts: x402 (the x402 v2 payment types and headers), jobauth (consumer
// signatures on requests about a paid job), sse (a job's persisted,
// resumable event stream), provider (the provider agent's HTTP server,
// payment checks, job execution and settlement) and consumer (the consumer
// agent, also the Go API that scripts use: discovery, submit and pay,
// monitor, verify, settle, top up, spot checks).
package market
