// Package e2e runs Kinetic end to end as separate processes: its tests
// build the kinetic binary once and start a provider instance (`kinetic
// provide --headless`) and a consumer instance (`kinetic submit`), each
// with its own data dir and its own key imported with `kinetic wallet
// import` and funded with `kinetic wallet fund`, on the shared LocalNet and
// Docker engine, and check every scenario against the chain: balances, the
// escrow box, the Registry's reputation counters and the badge.
//
// Scenarios (one test each): the happy path by URL and by discovery with a
// badge minted and claimed at a test-lowered tier (TestTwoProcessesHappyPath);
// the provider killed mid-job and re-attached (TestProviderKilledMidJobReattaches);
// the provider gone for good and the consumer refunded after the deadline
// (TestProviderGoneConsumerRefunded); a silent consumer and the provider's
// claim after the window (TestSilentConsumerProviderClaims); the event
// stream cut three times through a TCP proxy with no event lost or
// repeated (TestEventStreamCutMidJob); the output tar rewritten in transit,
// disputed and the provider blocklisted (TestTamperedOutputDisputedAndBlocked);
// a job that outruns its lock topped up from the consumer's preferences
// (TestLongJobToppedUp); and forged, underpaid, wrong-network,
// wrong-receiver, expired and replayed payments refused with their x402
// error codes and no container (TestPaymentRejectionsByProviderProcess);
// and a provider stopped with SIGTERM marked unavailable, then available
// again when it restarts (TestStoppedProviderIsMarkedUnavailable).
// An expired offer is not covered here: the provider keeps offers for 60 s
// and has no flag to shorten it (market/provider's tests cover it).
package e2e
