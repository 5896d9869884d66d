package contracts

import (
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

// Provider is the decoded Registry box of one provider.
type Provider struct {
	Address types.Address
	ProviderInfo
	Available          bool
	RegisteredRound    uint64
	LastHeartbeatRound uint64
	Completed          uint64
	Failed             uint64
	Disputed           uint64
	ComputeSeconds     uint64
	TotalEarned        uint64
	BadgeTier          uint64
}

// providerHead is the fixed head size of the Provider ARC-4 tuple.
const providerHead = 129

// ProviderBoxName returns the Registry box name of a provider.
func ProviderBoxName(addr types.Address) []byte { return append([]byte{'p'}, addr[:]...) }

// BoxMBR is the minimum balance a box of that name and value length locks.
func BoxMBR(nameLen, valueLen int) uint64 { return 2500 + 400*uint64(nameLen+valueLen) }

// ProviderValueLen is the Registry box value length for info.
func ProviderValueLen(info ProviderInfo) int {
	return providerHead + 8 + len(info.Endpoint) + len(info.GPUModel) + len(info.Driver) + len(info.CUDA)
}

// DecodeProvider decodes a Registry box value (the ARC-4 Provider struct).
func DecodeProvider(addr types.Address, b []byte) (Provider, error) {
	if len(b) < providerHead {
		return Provider{}, fmt.Errorf("contracts: provider box of %d bytes", len(b))
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	var strs [4]string
	offs := []int{0, 2, 36, 38}
	for i, o := range offs {
		start := int(binary.BigEndian.Uint16(b[o:]))
		if start+2 > len(b) {
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
		Completed: u(81), Failed: u(89), Disputed: u(97), ComputeSeconds: u(105), TotalEarned: u(113), BadgeTier: u(121),
	}, nil
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
	CreatedRound  uint64
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
const JobValueLen = 217

// JobBoxMBR is the minimum balance each job box locks (102500 microAlgo).
const JobBoxMBR = 2500 + 400*(33+JobValueLen)

// JobBoxName returns the Escrow box name of a job.
func JobBoxName(id JobID) []byte { return append([]byte{'j'}, id[:]...) }

// DecodeJob decodes an Escrow box value (the ARC-4 Job struct).
func DecodeJob(id JobID, b []byte) (Job, error) {
	if len(b) != JobValueLen {
		return Job{}, fmt.Errorf("contracts: job box of %d bytes, want %d", len(b), JobValueLen)
	}
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	j := Job{ID: id, Locked: u(64), RatePerHour: u(72), CreatedRound: u(80), DeadlineRound: u(88),
		Status: JobStatus(b[128]), BilledSeconds: u(193), DisputeWindow: u(201), ResultRound: u(209)}
	copy(j.Consumer[:], b[0:32])
	copy(j.Provider[:], b[32:64])
	copy(j.SpecHash[:], b[96:128])
	copy(j.ProofHash[:], b[129:161])
	copy(j.OutputHash[:], b[161:193])
	return j, nil
}

// Bill is what release or claim pays the provider: min(locked, rate*seconds/3600).
func (j Job) Bill() uint64 {
	hi, lo := bits.Mul64(j.RatePerHour, j.BilledSeconds)
	if hi >= 3600 { // quotient would not fit in 64 bits, so it exceeds locked
		return j.Locked
	}
	q, _ := bits.Div64(hi, lo, 3600)
	if q < j.Locked {
		return q
	}
	return j.Locked
}
