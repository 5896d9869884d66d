package contracts

// This file is the single declaration of the three applications' ABI: the
// generator (go generate) turns it into the ARC-56 specs, the clients call
// methods by these signatures, and TestSpecsMatchSources checks that the
// TEAL routes exactly these selectors.

//go:generate go run ./gen

// Field is one named, ARC-4 typed member of a struct, an argument or an event.
type Field struct {
	Name string
	Type string
	// Struct names the declared struct this field decodes into, if any.
	Struct string
}

// MethodDecl declares one ABI method of an application.
type MethodDecl struct {
	// Signature is the ARC-4 signature, e.g. "release(byte[32])void".
	Signature string
	// Args names the arguments, in signature order.
	Args []string
	// Returns names the struct the return value decodes into, if any.
	Returns string
	// Readonly marks ARC-22 read-only methods (safe to simulate).
	Readonly bool
	// Events lists the names of the ARC-28 events the method may log.
	Events []string
	// Desc is a one-line description: who may call it and when.
	Desc string
}

// EventDecl declares one ARC-28 event.
type EventDecl struct {
	Name string
	Args []Field
}

// StorageKey declares one global state key or box map of an application.
type StorageKey struct {
	Name      string
	Key       string // global key or box-name prefix
	KeyType   string
	ValueType string
}

// AppDecl declares one application: its TEAL source, methods, events,
// structs and storage.
type AppDecl struct {
	Name        string
	Source      string
	Desc        string
	Methods     []MethodDecl
	Events      []EventDecl
	Structs     map[string][]Field
	GlobalInts  uint64
	GlobalBytes uint64
	Globals     []StorageKey
	Boxes       []StorageKey
}

// providerFields is the ARC-4 Provider struct stored in each Registry
// provider box: what the provider declares, its availability and rounds.
// The reputation counters live in the permanent Reputation record.
func providerFields() []Field {
	return []Field{
		{Name: "endpoint", Type: "string"},
		{Name: "gpu_model", Type: "string"},
		{Name: "gpu_count", Type: "uint64"},
		{Name: "vram_mb", Type: "uint64"},
		{Name: "cpu_cores", Type: "uint64"},
		{Name: "ram_mb", Type: "uint64"},
		{Name: "driver", Type: "string"},
		{Name: "cuda", Type: "string"},
		{Name: "price_per_hour", Type: "uint64"},
		{Name: "min_job_secs", Type: "uint64"},
		{Name: "max_job_secs", Type: "uint64"},
		{Name: "available", Type: "bool"},
		{Name: "registered_round", Type: "uint64"},
		{Name: "last_heartbeat_round", Type: "uint64"},
	}
}

// reputationFields is the ARC-4 Reputation struct of the Registry's
// permanent per-address record ("r" ‖ address), created at the first
// registration and never deleted. Every counter saturates at 2^64-1.
func reputationFields() []Field {
	return []Field{
		{Name: "completed", Type: "uint64"},
		{Name: "failed", Type: "uint64"},
		{Name: "disputed", Type: "uint64"},
		{Name: "compute_seconds", Type: "uint64"},
		{Name: "total_earned", Type: "uint64"},
		{Name: "badge_tier", Type: "uint64"},
	}
}

// jobFields is the ARC-4 Job struct stored in each Escrow box.
func jobFields() []Field {
	return []Field{
		{Name: "consumer", Type: "address"},
		{Name: "provider", Type: "address"},
		{Name: "locked", Type: "uint64"},
		{Name: "rate_per_hour", Type: "uint64"},
		{Name: "max_seconds", Type: "uint64"},
		{Name: "created_round", Type: "uint64"},
		{Name: "created_time", Type: "uint64"},
		{Name: "deadline_round", Type: "uint64"},
		{Name: "spec_hash", Type: "byte[32]"},
		{Name: "status", Type: "uint8"},
		{Name: "proof_hash", Type: "byte[32]"},
		{Name: "output_hash", Type: "byte[32]"},
		{Name: "billed_seconds", Type: "uint64"},
		{Name: "dispute_window", Type: "uint64"},
		{Name: "result_round", Type: "uint64"},
	}
}

// tupleOf returns the ARC-4 tuple type of a struct's fields.
func tupleOf(fields []Field) string {
	s := "("
	for i, f := range fields {
		if i > 0 {
			s += ","
		}
		s += f.Type
	}
	return s + ")"
}

func providerArgs() []string {
	return []string{"endpoint", "gpu_model", "gpu_count", "vram_mb", "cpu_cores", "ram_mb", "driver", "cuda", "price_per_hour", "min_job_secs", "max_job_secs", "mbr_payment"}
}

const providerArgTypes = "string,string,uint64,uint64,uint64,uint64,string,string,uint64,uint64,uint64,pay"

// Apps returns the declarations of Registry, Escrow and BadgeMinter, in
// deployment order.
func Apps() []AppDecl { return []AppDecl{registryDecl(), escrowDecl(), badgeDecl()} }

func registryDecl() AppDecl {
	return AppDecl{
		Name:   "Registry",
		Source: "registry.teal",
		Desc:   "Kinetic provider registry: one box per provider; reputation counters written only by the Escrow app.",
		Methods: []MethodDecl{
			{Signature: "register(" + providerArgTypes + ")void", Args: providerArgs(), Events: []string{"ProviderRegistered"},
				Desc: "Any account not yet registered; the grouped payment (from it) carries exactly the provider box MBR, plus the reputation record MBR at the first registration."},
			{Signature: "update(" + providerArgTypes + ")void", Args: providerArgs(), Events: []string{"ProviderUpdated"},
				Desc: "The registered provider; the grouped payment carries the MBR growth (0 when the box shrinks, the difference is refunded)."},
			{Signature: "set_available(bool)void", Args: []string{"available"}, Events: []string{"ProviderAvailability"},
				Desc: "The registered provider; also counts as a heartbeat."},
			{Signature: "heartbeat()void", Desc: "The registered provider; records the current round."},
			{Signature: "deregister()void", Events: []string{"ProviderDeregistered"},
				Desc: "The registered provider; deletes the provider box and pays its MBR back (inner payment); the reputation record stays."},
			{Signature: "record_job(address,uint8,uint64,uint64)void", Args: []string{"provider", "outcome", "seconds", "earned"},
				Events: []string{"JobRecorded"}, Desc: "Only the configured Escrow app (inner call); counters saturate; may mint the next badge tier; never fails a settlement."},
			{Signature: "get_provider(address)" + tupleOf(providerFields()), Args: []string{"provider"}, Returns: "Provider", Readonly: true,
				Desc: "Anyone; fails for an unregistered provider."},
			{Signature: "get_reputation(address)" + tupleOf(reputationFields()), Args: []string{"provider"}, Returns: "Reputation", Readonly: true,
				Desc: "Anyone; fails for an address that never registered."},
			{Signature: "provider_status(address)uint8", Args: []string{"provider"}, Readonly: true,
				Desc: "Anyone; 0 unregistered, 1 unavailable, 2 available."},
			{Signature: "configure(uint64,uint64,uint64,uint64,uint64)void", Args: []string{"escrow_app", "badge_app", "tier1", "tier2", "tier3"},
				Desc: "Creator only, once; tier thresholds are completed-job counts, strictly increasing."},
		},
		Events: []EventDecl{
			{Name: "ProviderRegistered", Args: []Field{{Name: "provider", Type: "address"}}},
			{Name: "ProviderUpdated", Args: []Field{{Name: "provider", Type: "address"}}},
			{Name: "ProviderAvailability", Args: []Field{{Name: "provider", Type: "address"}, {Name: "available", Type: "bool"}}},
			{Name: "ProviderDeregistered", Args: []Field{{Name: "provider", Type: "address"}}},
			{Name: "JobRecorded", Args: []Field{{Name: "provider", Type: "address"}, {Name: "outcome", Type: "uint8"},
				{Name: "seconds", Type: "uint64"}, {Name: "earned", Type: "uint64"}}},
		},
		Structs:     map[string][]Field{"Provider": providerFields(), "Reputation": reputationFields()},
		GlobalInts:  2,
		GlobalBytes: 1,
		Globals: []StorageKey{
			{Name: "escrow", Key: "escrow", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "badge", Key: "badge", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "tiers", Key: "tiers", KeyType: "AVMString", ValueType: "uint64[3]"},
		},
		Boxes: []StorageKey{{Name: "providers", Key: "p", KeyType: "address", ValueType: "Provider"},
			{Name: "reputation", Key: "r", KeyType: "address", ValueType: "Reputation"}},
	}
}

func escrowDecl() AppDecl {
	job := []string{"job_id"}
	settled := []string{"JobSettled"}
	return AppDecl{
		Name:   "Escrow",
		Source: "escrow.teal",
		Desc:   "Kinetic job escrow: one box per job; every job ends released, refunded, disputed or claimed.",
		Methods: []MethodDecl{
			{Signature: "create_job(byte[32],uint64,uint64,uint64,uint64,byte[32],pay)byte[32]",
				Args:   []string{"nonce", "rate_per_hour", "max_seconds", "deadline_rounds", "window_rounds", "spec_hash", "payment"},
				Events: []string{"JobCreated"},
				Desc:   "Sent by the provider (registered and available), grouped right after the consumer's payment of locked + job box MBR (+ pair record MBR for a new pair); returns the job id SHA-256(provider ‖ consumer ‖ nonce); the nonce must exceed the pair's last one."},
			{Signature: "submit_result(byte[32],byte[32],byte[32],uint64)void",
				Args: []string{"job_id", "proof_hash", "output_hash", "billed_seconds"}, Events: []string{"ResultSubmitted"},
				Desc: "The job's provider, while open and not past the deadline round; seconds <= max_seconds and <= elapsed block time + 60."},
			{Signature: "top_up(byte[32],pay)void", Args: []string{"job_id", "payment"}, Events: []string{"JobToppedUp"},
				Desc: "The job's consumer, while open and not past the deadline, grouped after its payment: raises locked, max_seconds and the deadline."},
			{Signature: "release(byte[32])void", Args: job, Events: settled,
				Desc: "The job's consumer, after a result: pays the provider rate*seconds/3600 (rounded down)."},
			{Signature: "refund(byte[32])void", Args: job, Events: settled,
				Desc: "Anyone, after the deadline round with no result: everything back to the consumer."},
			{Signature: "dispute(byte[32])void", Args: job, Events: settled,
				Desc: "The job's consumer, after a result and within the dispute window: everything back to the consumer."},
			{Signature: "claim(byte[32])void", Args: job, Events: settled,
				Desc: "Anyone, after a result once the dispute window has passed: same payout as release."},
			{Signature: "get_job(byte[32])" + tupleOf(jobFields()), Args: job, Returns: "Job", Readonly: true,
				Desc: "Anyone; fails for an unknown or settled job."},
			{Signature: "configure(uint64,uint64,uint64,uint64,uint64)void",
				Args: []string{"registry_app", "min_deadline_rounds", "max_deadline_rounds", "min_dispute_window", "max_dispute_window"},
				Desc: "Creator only, once."},
		},
		Events: []EventDecl{
			{Name: "JobCreated", Args: []Field{{Name: "job_id", Type: "byte[32]"}, {Name: "consumer", Type: "address"},
				{Name: "provider", Type: "address"}, {Name: "locked", Type: "uint64"}, {Name: "rate_per_hour", Type: "uint64"},
				{Name: "max_seconds", Type: "uint64"}, {Name: "deadline_round", Type: "uint64"},
				{Name: "spec_hash", Type: "byte[32]"}, {Name: "nonce", Type: "byte[32]"}}},
			{Name: "ResultSubmitted", Args: []Field{{Name: "job_id", Type: "byte[32]"}, {Name: "proof_hash", Type: "byte[32]"},
				{Name: "output_hash", Type: "byte[32]"}, {Name: "billed_seconds", Type: "uint64"}}},
			{Name: "JobToppedUp", Args: []Field{{Name: "job_id", Type: "byte[32]"}, {Name: "added", Type: "uint64"},
				{Name: "locked", Type: "uint64"}, {Name: "max_seconds", Type: "uint64"}, {Name: "deadline_round", Type: "uint64"}}},
			{Name: "JobSettled", Args: []Field{{Name: "job_id", Type: "byte[32]"}, {Name: "outcome", Type: "uint8"},
				{Name: "proof_hash", Type: "byte[32]"}, {Name: "output_hash", Type: "byte[32]"},
				{Name: "paid_provider", Type: "uint64"}, {Name: "paid_consumer", Type: "uint64"}}},
		},
		Structs:    map[string][]Field{"Job": jobFields()},
		GlobalInts: 5,
		Globals: []StorageKey{
			{Name: "registry", Key: "registry", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "dmin", Key: "dmin", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "dmax", Key: "dmax", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "wmin", Key: "wmin", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "wmax", Key: "wmax", KeyType: "AVMString", ValueType: "AVMUint64"},
		},
		Boxes: []StorageKey{{Name: "jobs", Key: "j", KeyType: "byte[32]", ValueType: "Job"},
			{Name: "pairs", Key: "n", KeyType: "byte[32]", ValueType: "byte[32]"}},
	}
}

func badgeDecl() AppDecl {
	return AppDecl{
		Name:   "BadgeMinter",
		Source: "badge.teal",
		Desc:   "Kinetic reputation badges: soul-bound ARC-3 ASAs minted when the Registry reports a tier crossed.",
		Methods: []MethodDecl{
			{Signature: "mint(address,uint64)uint64", Args: []string{"provider", "tier"}, Events: []string{"BadgeMinted"},
				Desc: "Only the configured Registry app (inner call); a (provider, tier) minted before mints nothing and returns its asset."},
			{Signature: "claim(uint64,pay,axfer)uint64", Args: []string{"tier", "mbr_payment", "opt_in"}, Events: []string{"BadgeClaimed"},
				Desc: "The provider the badge was minted for, once, grouped with its own 122500 microAlgo payment (asset + record MBR) and its opt-in."},
			{Signature: "configure(uint64,string,byte[32],string,byte[32],string,byte[32])void",
				Args: []string{"registry_app", "url1", "hash1", "url2", "hash2", "url3", "hash3"},
				Desc: "Creator only, once."},
		},
		Events: []EventDecl{
			{Name: "BadgeMinted", Args: []Field{{Name: "provider", Type: "address"}, {Name: "tier", Type: "uint64"}, {Name: "asset", Type: "uint64"}}},
			{Name: "BadgeClaimed", Args: []Field{{Name: "provider", Type: "address"}, {Name: "tier", Type: "uint64"}, {Name: "asset", Type: "uint64"}}},
		},
		GlobalInts:  1,
		GlobalBytes: 6,
		Globals: []StorageKey{
			{Name: "registry", Key: "registry", KeyType: "AVMString", ValueType: "AVMUint64"},
			{Name: "u1", Key: "u1", KeyType: "AVMString", ValueType: "AVMString"},
			{Name: "h1", Key: "h1", KeyType: "AVMString", ValueType: "AVMBytes"},
			{Name: "u2", Key: "u2", KeyType: "AVMString", ValueType: "AVMString"},
			{Name: "h2", Key: "h2", KeyType: "AVMString", ValueType: "AVMBytes"},
			{Name: "u3", Key: "u3", KeyType: "AVMString", ValueType: "AVMString"},
			{Name: "h3", Key: "h3", KeyType: "AVMString", ValueType: "AVMBytes"},
		},
		Structs: map[string][]Field{"BadgeRecord": {{Name: "asset", Type: "uint64"}, {Name: "claimed", Type: "bool"}}},
		Boxes:   []StorageKey{{Name: "badges", Key: "b", KeyType: "(address,uint64)", ValueType: "BadgeRecord"}},
	}
}
