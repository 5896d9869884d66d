// Package proof builds, signs, encodes and verifies the nine-step
// proof-of-compute hash chain. It depends on the standard library and
// internal/sigframe only.
//
// A provider records a Builder step by step while it runs a job; anyone
// holding the resulting document can check it offline with Verify. The
// on-chain checks (that hash_7 is the hash anchored by submit_result and
// repeated by the settlement event) belong to the caller: AnchorHash gives
// the value to compare.
//
// # Steps
//
// A chain has nine steps, with indexes 1..9 and these kinds, in this order:
//
//	1 job_received         {"specHash": hex, "consumer": address}
//	2 escrow_locked        {"appId", "txId", "round", "amount"}
//	3 image_verified       {"image", "digest"}
//	4 resources_allocated  {"cpus", "memoryMb", "gpus": [...]}
//	5 execution_started    {"containerId"}
//	6 execution_finished   {"exitCode", "seconds", "oomKilled"}
//	7 output_hashed        {"sha256": hex, "bytes"}
//	8 result_anchored      {"txId", "round", "appId"}
//	9 payment_released     {"txId", "round", "kind": "release"|"claim", "amount"}
//
// The bodies shown are those this package writes (the types JobReceived
// … PaymentReleased); a verifier treats a body as an opaque JSON object.
// Amounts are microAlgos. specHash is the spec hash that create_job also
// carries: SHA-256 of the RFC 8785 form of the job's spec object, which
// docs/spec-hash.md documents field by field (compute.Spec.Hash computes
// it; compute/testdata/spec-hash.json is a worked vector). A "claim"
// settlement is the Escrow's claim: sent by anyone once the dispute window
// has passed without a dispute, paying the provider.
//
// # Hashes
//
// Let JCS(x) be the RFC 8785 canonical JSON of x (see Canonicalize) and
// job the job id's 32 bytes. Step i's content is the JSON object
//
//	{"at": AT, "body": BODY, "index": i, "jobId": JOB, "kind": KIND}
//
// where AT is the step's time as RFC 3339 UTC whole seconds
// ("2026-03-01T12:00:05Z"), JOB the job id as 64 lower-case hex digits, and
// BODY the step's body object. Then
//
//	hash_0 = job
//	hash_i = SHA-256(hash_{i-1} ‖ JCS(content_i))      (i = 1..9)
//
// with hash_{i-1} as 32 raw bytes. The signature of step i is the ed25519
// signature, by the provider's account key, of the 32 raw bytes of hash_i
// framed by internal/sigframe in domain "proof":
//
//	"kinetic/v1:proof" ‖ 0x00 ‖ hash_i
//
// hash_7 (through output_hashed) is the anchor hash: the value
// submit_result stores on-chain.
//
// # Document
//
// A chain travels as one JSON object (at most 1 MiB, valid UTF-8, arrays
// and objects nested at most 64 deep, number literals at most 100
// characters long, no duplicate keys, no lone surrogates, no fields other
// than these):
//
//	{
//	  "version": 1,
//	  "jobId": "<64 lower-case hex digits>",
//	  "provider": {"publicKey": "<32-byte ed25519 key, padded standard base64>"},
//	  "steps": [
//	    {
//	      "index": 1,
//	      "kind": "job_received",
//	      "at": "2026-03-01T12:00:01Z",
//	      "body": {"consumer": "…", "specHash": "…"},
//	      "prev": "<hash_0: 64 lower-case hex digits>",
//	      "hash": "<hash_1: 64 lower-case hex digits>",
//	      "signature": "<64 bytes, padded standard base64>"
//	    },
//	    …
//	  ]
//	}
//
// "steps" holds steps 1..n in order: n = 9 for a finished job, fewer while
// it runs; a document with more than nine entries is malformed. "prev" repeats the previous step's "hash" ("jobId" for step 1);
// it is redundant for a valid chain, and is there so that a verifier can
// say which link broke. "index" is an integer literal. Base64 values are
// canonical RFC 4648 standard base64: padded, no line breaks, unused
// trailing bits zero (so that re-encoding the bytes gives the same text). Any JSON spelling
// of the document is accepted (whitespace, key order, number and string
// spellings); this package writes the document itself in JCS form. The
// file testdata/chain-v1.json beside this package's source is a complete,
// valid chain to test other implementations against (its hash_7 is
// 41af55c5…3b003eee). testdata/verify_chain.py is such an implementation,
// written from this text alone (Python's standard library and PyNaCl);
// the package's tests run it on that chain, on a freshly built one and on
// tampered copies.
//
// # Verification
//
// Verify applies these checks and reports the first failure as a
// *VerifyError whose Step is the failing step's 1-based position (0 for
// the document as a whole) and whose Reason is given on the right:
//
//	the document is malformed (more than nine steps:
//	  step 10)                                                 BadEncoding (Decode)
//	the provider key is not 32 bytes                           BadEncoding, step 0
//	jobId is not the expected job                              WrongJob, step 0
//	the provider key is not the expected one                   WrongProvider, step 0
//	then for each step, at position p = 1, 2, …:
//	  index outside 1..9, or an unknown kind                   BadEncoding
//	  kind is not the kind of index                            WrongOrder
//	  index < p (that step was seen already)                   Duplicate
//	  index > p and a later step has index p                   WrongOrder
//	  index > p and no step has index p                        MissingStep
//	  Step.JobID ≠ Chain.JobID (in-memory chains only)         WrongJob
//	  prev ≠ hash_{p-1} (jobId for p = 1, else the
//	    previous step's recorded hash)                         BadLink
//	  hash ≠ SHA-256(prev ‖ JCS(content_p))                    BadHash
//	  the signature does not verify (wrong length, key,
//	    message or domain)                                     BadSignature
//	  at is earlier than the previous step's at                WrongOrder
//	fewer than nine steps (Verify, not VerifyPartial)          MissingStep, step n+1
//
// BadLink and BadHash have separate inputs. BadHash means a step does not
// hash to what it records, from its own prev and its own content: its
// body, time, index or kind, or its recorded hash, was changed after it was
// hashed. BadLink means a step is internally consistent but attached to
// the wrong predecessor: it was taken from another chain (a fork of the
// same job, another job: changing the document's jobId shows as BadLink at
// step 1), or its prev was altered. Altering a step's recorded hash shows
// as BadHash at that step, since it comes first, not as BadLink at the
// next. Signatures are checked after the hash, so BadSignature means the
// step's content is sound but was not signed in domain "proof" by the
// provider's key.
//
// VerifyPartial applies the same checks to a prefix of a chain (for
// progress shown while a job runs) and accepts any n from 0 to 9.
//
// # Canonical JSON
//
// Canonicalize implements RFC 8785: object keys sorted by their UTF-16 code
// units, no whitespace, strings escaped as ECMAScript's JSON.stringify does
// (\" \\ \b \t \n \f \r, other controls as \u00xx, everything else
// literally), numbers as ECMAScript's Number.prototype.toString writes the
// IEEE 754 double (1e21 → "1e+21", 1e-7 → "1e-7", 0.000001 → "0.000001",
// -0 → "0"). It is stricter in one way: an integer literal beyond ±(2^53−1)
// is refused rather than rounded, so two integers never share a form.
package proof
