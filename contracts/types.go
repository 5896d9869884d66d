package contracts

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobID identifies a job on-chain: 32 bytes, unique per Escrow app while
// the job is open (its box is "j" ‖ id).
type JobID = jobid.ID

// Hash is a 32-byte SHA-256 digest (spec, proof or output hash).
type Hash [32]byte

// ProviderInfo is what a provider declares about itself.
type ProviderInfo struct {
	Endpoint     string
	GPUModel     string
	GPUCount     uint64
	VRAMMB       uint64
	CPUCores     uint64
	RAMMB        uint64
	Driver       string
	CUDA         string
	PricePerHour uint64 // microAlgo per hour
	MinJobSecs   uint64
	MaxJobSecs   uint64
}

// Limits on ProviderInfo strings enforced by the Registry.
const (
	MaxEndpointLen = 128
	MaxGPUModelLen = 64
	MaxDriverLen   = 32
	MaxCUDALen     = 32
)

// Reputation is a provider's permanent record in the Registry ("r" ‖
// address): created at its first registration, kept through
// deregistration, written only by the Escrow's settlements. Every counter
// saturates at 2^64-1.
type Reputation struct {
	Completed      uint64
	Failed         uint64
	Disputed       uint64
	ComputeSeconds uint64
	TotalEarned    uint64 // microAlgo
	BadgeTier      uint64
}

// Provider is a provider's Registry box decoded, with its permanent
// Reputation (Client.Provider fills both; DecodeProvider only the box).
type Provider struct {
	Address types.Address
	ProviderInfo
	Available          bool
	RegisteredRound    uint64
	LastHeartbeatRound uint64
	Reputation
}

// providerHead is the fixed head size of the Provider ARC-4 tuple.
const providerHead = 81

// ProviderBoxName returns the Registry box name of a provider.
func ProviderBoxName(addr types.Address) []byte { return append([]byte{'p'}, addr[:]...) }

// ReputationBoxName returns the Registry box name of an address's permanent
// reputation record.
func ReputationBoxName(addr types.Address) []byte { return append([]byte{'r'}, addr[:]...) }

// ReputationValueLen is the size of a reputation record value.
const ReputationValueLen = 48

// ReputationBoxMBR is the minimum balance a reputation record locks for
// good (34900 microAlgo), paid with the first registration.
const ReputationBoxMBR = 2500 + 400*(33+ReputationValueLen)

// BoxMBR is the minimum balance a box of that name and value length locks.
func BoxMBR(nameLen, valueLen int) uint64 { return 2500 + 400*uint64(nameLen+valueLen) }

// ProviderValueLen is the Registry box value length for info.
func ProviderValueLen(info ProviderInfo) int {
	return providerHead + 8 + len(info.Endpoint) + len(info.GPUModel) + len(info.Driver) + len(info.CUDA)
}

// DecodeProvider decodes a Registry provider box value (the ARC-4 Provider
// struct); the Reputation is left zero.
func DecodeProvider(addr types.Address, b []byte) (Provider, error) {
	if len(b) < providerHead {
		return Provider{}, fmt.Errorf("contracts: provider box of %d bytes", len(b))
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	var strs [4]string
	offs := []int{0, 2, 36, 38}
	for i, o := range offs {
		start := int(binary.BigEndian.Uint16(b[o:]))
		if start < providerHead || start+2 > len(b) {
			return Provider{}, fmt.Errorf("contracts: provider box string %d out of range", i)
		}
		n := int(binary.BigEndian.Uint16(b[start:]))
		if start+2+n > len(b) {
			return Provider{}, fmt.Errorf("contracts: provider box string %d truncated", i)
		}
		strs[i] = string(b[start+2 : start+2+n])
	}
	return Provider{
		Address: addr,
		ProviderInfo: ProviderInfo{
			Endpoint: strs[0], GPUModel: strs[1], GPUCount: u(4), VRAMMB: u(12), CPUCores: u(20), RAMMB: u(28),
			Driver: strs[2], CUDA: strs[3], PricePerHour: u(40), MinJobSecs: u(48), MaxJobSecs: u(56),
		},
		Available: b[64]&0x80 != 0, RegisteredRound: u(65), LastHeartbeatRound: u(73),
	}, nil
}

// DecodeReputation decodes a reputation record value (the ARC-4
// Reputation struct, 48 bytes).
func DecodeReputation(b []byte) (Reputation, error) {
	if len(b) != ReputationValueLen {
		return Reputation{}, fmt.Errorf("contracts: reputation record of %d bytes, want %d", len(b), ReputationValueLen)
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	return Reputation{Completed: u(0), Failed: u(8), Disputed: u(16), ComputeSeconds: u(24), TotalEarned: u(32), BadgeTier: u(40)}, nil
}

// JobStatus is the state of a job's box; a settled job has no box.
type JobStatus uint8

// Job states stored in the Escrow box.
const (
	JobOpen      JobStatus = 1
	JobSubmitted JobStatus = 2
)

// Outcome is how a job was settled, as logged in the JobSettled event.
type Outcome uint8

// Settlement outcomes.
const (
	OutcomeReleased Outcome = 1
	OutcomeRefunded Outcome = 2
	OutcomeDisputed Outcome = 3
	OutcomeClaimed  Outcome = 4
)

// Job is the decoded Escrow box of one open or submitted job.
type Job struct {
	ID            JobID
	Consumer      types.Address
	Provider      types.Address
	Locked        uint64
	RatePerHour   uint64
	MaxSeconds    uint64 // billable ceiling: RatePerHour*MaxSeconds <= Locked*3600
	CreatedRound  uint64
	CreatedTime   uint64 // the latest block timestamp when the job was created
	DeadlineRound uint64
	SpecHash      Hash
	Status        JobStatus
	ProofHash     Hash
	OutputHash    Hash
	BilledSeconds uint64
	DisputeWindow uint64
	ResultRound   uint64
}

// JobValueLen is the size of an Escrow job box value.
const JobValueLen = 233

// JobBoxMBR is the minimum balance each job box locks (108900 microAlgo),
// paid by the consumer at creation and paid back at settlement.
const JobBoxMBR = 2500 + 400*(33+JobValueLen)

// PairRecordMBR is the minimum balance of the Escrow's permanent record of
// a (provider, consumer) pair's last nonce ("n" ‖ SHA-256(provider ‖
// consumer) → 32-byte nonce; 28500 microAlgo), paid once, with the pair's
// first job, and never returned.
const PairRecordMBR = 2500 + 400*(33+32)

// SubmitTimeSlack is how many seconds billed_seconds may exceed the block
// time elapsed since create_job (block timestamps are the proposers' clocks).
const SubmitTimeSlack = 60

// JobBoxName returns the Escrow box name of a job.
func JobBoxName(id JobID) []byte { return append([]byte{'j'}, id[:]...) }

// PairKey is SHA-256(provider ‖ consumer), the key of a pair's nonce record.
func PairKey(provider, consumer types.Address) [32]byte {
	return sha256.Sum256(append(append([]byte{}, provider[:]...), consumer[:]...))
}

// PairBoxName returns the Escrow box name of a pair's nonce record.
func PairBoxName(provider, consumer types.Address) []byte {
	k := PairKey(provider, consumer)
	return append([]byte{'n'}, k[:]...)
}

// JobIDFor is the job id create_job derives on-chain:
// SHA-256(provider ‖ consumer ‖ nonce).
func JobIDFor(provider, consumer types.Address, nonce Hash) JobID {
	b := make([]byte, 0, 96)
	b = append(append(append(b, provider[:]...), consumer[:]...), nonce[:]...)
	return JobID(sha256.Sum256(b))
}

// LockFor is the least amount create_job accepts as locked for a job of
// that rate and maximum: ceil(rate*maxSeconds/3600). It fails when the
// amount does not fit in 64 bits.
func LockFor(ratePerHour, maxSeconds uint64) (uint64, error) {
	hi, lo := bits.Mul64(ratePerHour, maxSeconds)
	lo, c := bits.Add64(lo, 3599, 0)
	hi += c
	if hi >= 3600 {
		return 0, fmt.Errorf("contracts: rate %d × %d s overflows the locked amount", ratePerHour, maxSeconds)
	}
	q, _ := bits.Div64(hi, lo, 3600)
	return q, nil
}

// DecodeJob decodes an Escrow box value (the ARC-4 Job struct).
func DecodeJob(id JobID, b []byte) (Job, error) {
	if len(b) != JobValueLen {
		return Job{}, fmt.Errorf("contracts: job box of %d bytes, want %d", len(b), JobValueLen)
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	j := Job{ID: id, Locked: u(64), RatePerHour: u(72), MaxSeconds: u(80), CreatedRound: u(88), CreatedTime: u(96),
		DeadlineRound: u(104), Status: JobStatus(b[144]), BilledSeconds: u(209), DisputeWindow: u(217), ResultRound: u(225)}
	copy(j.Consumer[:], b[0:32])
	copy(j.Provider[:], b[32:64])
	copy(j.SpecHash[:], b[112:144])
	copy(j.ProofHash[:], b[145:177])
	copy(j.OutputHash[:], b[177:209])
	return j, nil
}

// Bill is what release or claim pays the provider: rate*seconds/3600,
// rounded down; never more than Locked (submit_result enforces it, and
// this caps it for a box decoded from elsewhere).
func (j Job) Bill() uint64 {
	hi, lo := bits.Mul64(j.RatePerHour, j.BilledSeconds)
	if hi >= 3600 {
		return j.Locked
	}
	q, _ := bits.Div64(hi, lo, 3600)
	if q < j.Locked {
		return q
	}
	return j.Locked
}
