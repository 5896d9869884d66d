package proof

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// Body is implemented by the documented body type of each step kind.
// Builder.Append checks that a Body matches the step's kind and is valid;
// other JSON objects (such as a map[string]any) are accepted unchecked.
type Body interface {
	// StepKind is the kind of step this body belongs to.
	StepKind() StepKind
	// Validate reports a malformed body.
	Validate() error
}

// JobReceived is the body of step 1: the provider accepted the job.
type JobReceived struct {
	// SpecHash is the SHA-256 of the job specification, lower-case hex.
	SpecHash string `json:"specHash"`
	// Consumer is the consumer's Algorand address.
	Consumer string `json:"consumer"`
}

// NewJobReceived returns the body of step 1.
func NewJobReceived(specHash [32]byte, consumer string) JobReceived {
	return JobReceived{SpecHash: hex.EncodeToString(specHash[:]), Consumer: consumer}
}

// StepKind returns KindJobReceived.
func (JobReceived) StepKind() StepKind { return KindJobReceived }

// Validate checks the spec hash's spelling and that a consumer is named.
func (b JobReceived) Validate() error {
	return errors.Join(checkHex32("specHash", b.SpecHash), checkSet("consumer", b.Consumer))
}

// EscrowLocked is the body of step 2: the consumer's payment is locked in
// the escrow application.
type EscrowLocked struct {
	AppID  uint64 `json:"appId"`  // escrow application id
	TxID   string `json:"txId"`   // the locking transaction (group) id
	Round  uint64 `json:"round"`  // the round it was confirmed in
	Amount uint64 `json:"amount"` // microAlgos locked
}

// NewEscrowLocked returns the body of step 2.
func NewEscrowLocked(appID uint64, txID string, round, amount uint64) EscrowLocked {
	return EscrowLocked{AppID: appID, TxID: txID, Round: round, Amount: amount}
}

// StepKind returns KindEscrowLocked.
func (EscrowLocked) StepKind() StepKind { return KindEscrowLocked }

// Validate checks that a transaction is named.
func (b EscrowLocked) Validate() error { return checkSet("txId", b.TxID) }

// ImageVerified is the body of step 3: the container image was resolved
// and its digest checked.
type ImageVerified struct {
	Image  string `json:"image"`  // the image reference the job named
	Digest string `json:"digest"` // its content digest, e.g. "sha256:…"
}

// NewImageVerified returns the body of step 3.
func NewImageVerified(image, digest string) ImageVerified {
	return ImageVerified{Image: image, Digest: digest}
}

// StepKind returns KindImageVerified.
func (ImageVerified) StepKind() StepKind { return KindImageVerified }

// Validate checks that image and digest are named.
func (b ImageVerified) Validate() error {
	return errors.Join(checkSet("image", b.Image), checkSet("digest", b.Digest))
}

// ResourcesAllocated is the body of step 4: the limits the container got.
type ResourcesAllocated struct {
	CPUs     float64  `json:"cpus"`     // CPU cores (may be fractional)
	MemoryMB uint64   `json:"memoryMb"` // memory limit in MiB
	GPUs     []string `json:"gpus"`     // GPU device ids or UUIDs; [] for none
}

// NewResourcesAllocated returns the body of step 4; gpus is copied, and
// nil becomes an empty list.
func NewResourcesAllocated(cpus float64, memoryMB uint64, gpus []string) ResourcesAllocated {
	return ResourcesAllocated{CPUs: cpus, MemoryMB: memoryMB, GPUs: append([]string{}, gpus...)}
}

// StepKind returns KindResourcesAllocated.
func (ResourcesAllocated) StepKind() StepKind { return KindResourcesAllocated }

// Validate checks that the CPU count is positive and no GPU id is empty.
func (b ResourcesAllocated) Validate() error {
	if !(b.CPUs > 0) {
		return fmt.Errorf("cpus must be positive, got %v", b.CPUs)
	}
	if slices.Contains(b.GPUs, "") {
		return errors.New("gpus: empty device id")
	}
	return nil
}

// ExecutionStarted is the body of step 5: the container is running.
type ExecutionStarted struct {
	ContainerID string `json:"containerId"` // the engine's container id
}

// NewExecutionStarted returns the body of step 5.
func NewExecutionStarted(containerID string) ExecutionStarted {
	return ExecutionStarted{ContainerID: containerID}
}

// StepKind returns KindExecutionStarted.
func (ExecutionStarted) StepKind() StepKind { return KindExecutionStarted }

// Validate checks that a container is named.
func (b ExecutionStarted) Validate() error { return checkSet("containerId", b.ContainerID) }

// ExecutionFinished is the body of step 6: the container exited.
type ExecutionFinished struct {
	ExitCode  int     `json:"exitCode"`  // the process's exit status
	Seconds   float64 `json:"seconds"`   // wall-clock run time
	OOMKilled bool    `json:"oomKilled"` // killed for exceeding its memory
}

// NewExecutionFinished returns the body of step 6.
func NewExecutionFinished(exitCode int, seconds float64, oomKilled bool) ExecutionFinished {
	return ExecutionFinished{ExitCode: exitCode, Seconds: seconds, OOMKilled: oomKilled}
}

// StepKind returns KindExecutionFinished.
func (ExecutionFinished) StepKind() StepKind { return KindExecutionFinished }

// Validate checks that the run time is not negative.
func (b ExecutionFinished) Validate() error {
	if !(b.Seconds >= 0) {
		return fmt.Errorf("seconds must not be negative, got %v", b.Seconds)
	}
	return nil
}

// OutputHashed is the body of step 7: the output archive's digest. The
// chain through this step is what submit_result anchors on-chain.
type OutputHashed struct {
	SHA256 string `json:"sha256"` // SHA-256 of the output tar, lower-case hex
	Bytes  uint64 `json:"bytes"`  // its size
}

// NewOutputHashed returns the body of step 7.
func NewOutputHashed(sum [32]byte, size uint64) OutputHashed {
	return OutputHashed{SHA256: hex.EncodeToString(sum[:]), Bytes: size}
}

// StepKind returns KindOutputHashed.
func (OutputHashed) StepKind() StepKind { return KindOutputHashed }

// Validate checks the digest's spelling.
func (b OutputHashed) Validate() error { return checkHex32("sha256", b.SHA256) }

// ResultAnchored is the body of step 8: the submit_result transaction that
// anchored hash_7.
type ResultAnchored struct {
	TxID  string `json:"txId"`
	Round uint64 `json:"round"`
	AppID uint64 `json:"appId"`
}

// NewResultAnchored returns the body of step 8.
func NewResultAnchored(txID string, round, appID uint64) ResultAnchored {
	return ResultAnchored{TxID: txID, Round: round, AppID: appID}
}

// StepKind returns KindResultAnchored.
func (ResultAnchored) StepKind() StepKind { return KindResultAnchored }

// Validate checks that a transaction is named.
func (b ResultAnchored) Validate() error { return checkSet("txId", b.TxID) }

// Settlement kinds of PaymentReleased.Kind.
const (
	SettlementRelease = "release" // the consumer released the payment
	SettlementClaim   = "claim"   // claimed for the provider once the dispute window passed without a dispute (anyone may send it)
)

// PaymentReleased is the body of step 9: the settlement transaction.
type PaymentReleased struct {
	TxID   string `json:"txId"`
	Round  uint64 `json:"round"`
	Kind   string `json:"kind"`   // SettlementRelease or SettlementClaim
	Amount uint64 `json:"amount"` // microAlgos paid to the provider
}

// NewPaymentReleased returns the body of step 9.
func NewPaymentReleased(txID string, round uint64, kind string, amount uint64) PaymentReleased {
	return PaymentReleased{TxID: txID, Round: round, Kind: kind, Amount: amount}
}

// StepKind returns KindPaymentReleased.
func (PaymentReleased) StepKind() StepKind { return KindPaymentReleased }

// Validate checks the settlement kind and that a transaction is named.
func (b PaymentReleased) Validate() error {
	if b.Kind != SettlementRelease && b.Kind != SettlementClaim {
		return fmt.Errorf("kind must be %q or %q, got %q", SettlementRelease, SettlementClaim, b.Kind)
	}
	return checkSet("txId", b.TxID)
}

func checkSet(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return nil
}

func checkHex32(field, v string) error {
	var scratch [32]byte
	if err := parseHex32(v, &scratch); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}
