// Package discovery finds Kinetic providers on-chain: it lists the
// Registry's provider boxes straight from algod (paged include=values
// pinned to one round, with a fallback to concurrent per-box reads on
// nodes without paging), caches them in bbolt, filters and ranks them, and
// confirms a candidate with its signed GET /v1/info.
//
// It is the Go API a consumer (the consumer agent, a script or the
// `kinetic providers` command) uses:
//
//	d, err := discovery.New(ctx, algodClient, discovery.Options{Registry: apps.Registry, DB: db})
//	res, err := d.Find(ctx, discovery.Filter{GPUModel: "4090", MaxPricePerHour: 5_000_000, Online: true})
//	for _, c := range res.Candidates { … c.Provider (a contracts.Provider), c.Score … }
//	job, err := consumerClient.SubmitFirst(ctx, res.Providers(), spec, terms)
//	err = discovery.Block(db, addr, "disputed output") // a spot-check mismatch
//
// Listing. List reads the provider boxes ("p" ‖ address) and the
// permanent reputation records ("r" ‖ address) with
// GET /v2/applications/{id}/boxes?prefix=b64:…&include=values&limit=…,
// every page of both prefixes pinned with round= to the first page's
// round; when the node drops that round mid-listing the listing starts
// again (ErrRoundGone after MaxPinnedAttempts). Boxes are decoded with
// contracts.DecodeProvider and contracts.DecodeReputation; boxes that do
// not decode are skipped and counted in Listing.Skipped. A node that does
// not page values is detected specifically (ErrNoValuePaging: a 400
// naming an unknown, include or next parameter, or an answer without
// values); only then, in ModeAuto,
// are the names listed and the boxes read at most Options.Concurrency at
// a time; any other error is returned, wrapped. The fallback's reads are
// not pinned to one round; its Listing.Round is the highest round read.
//
// Cache. With Options.DB, every List is stored in the bucket
// CacheBucketPrefix + genesis hash with the round it was read at.
// Listing (and so Find) serves the cached listing while it is of the same
// Registry and at most Options.MaxStaleRounds rounds behind the node's last
// round and not ahead of it; otherwise it reads the chain again. Cached
// returns it whatever its age.
//
// Filters and ranking. Select keeps available, unblocked providers that
// pass every set Filter field: GPU model substring (any case), VRAM per
// GPU, GPU count, price, reputation and heartbeat age. Reputation is completed /
// (completed + failed + disputed) of the permanent record, counted only
// from Filter.MinRatedJobs (DefaultMinRatedJobs) settled jobs; an unrated
// provider fails any MinReputation above 0. The score is WeightPrice ×
// (cheapest + 1) / (price + 1) + WeightReputation × reputation (0.5 when
// unrated) + WeightHeartbeat × (1 − heartbeat age / window, at least 0),
// the cheapest taken over the selected providers and the window being
// Filter.MaxHeartbeatAge or DefaultHeartbeatWindow, best first;
// ties go to the lower price, then the lower address bytes.
//
// Online. CheckInfo fetches the registered endpoint's GET /v1/info (no
// redirect followed) and requires a body signed by the registered address
// (provider.HeaderInfoSignature, provider.InfoDomain) that names that
// address, this network (x402.Network of the genesis hash) and a price no
// higher than the registered one. Find with Filter.Online keeps only the
// candidates that pass and says why each other one failed.
//
// Blocklist. Block, Unblock and Blocklist keep a local, persistent list of
// addresses (BlocklistBucket, shared by all networks) that Find leaves out.
package discovery
