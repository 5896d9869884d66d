package compute

import (
	"fmt"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobID is the 32-byte job identifier shared with the escrow contract and
// the proof chain (64 lower-case hex digits as text, e.g. container labels).
type JobID = jobid.ID

// ParseJobID parses 64 lower-case hex digits into a JobID.
func ParseJobID(s string) (JobID, error) {
	id, err := jobid.Parse(s)
	if err != nil {
		return JobID{}, fmt.Errorf("compute: %w", err)
	}
	return id, nil
}
