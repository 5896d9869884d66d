package contracts

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
)

// JobSettled is the Escrow's ARC-28 settlement event: it outlives the
// deleted job box and repeats the anchored proof hash.
type JobSettled struct {
	ID           JobID
	Outcome      Outcome
	ProofHash    Hash
	OutputHash   Hash
	PaidProvider uint64
	PaidConsumer uint64
}

// JobSettledSignature is the ARC-28 signature of the settlement event.
const JobSettledSignature = "JobSettled(byte[32],uint8,byte[32],byte[32],uint64,uint64)"

// EventSelector returns the 4-byte ARC-28 selector of an event signature.
func EventSelector(signature string) []byte {
	h := sha512.Sum512_256([]byte(signature))
	return h[:4]
}

// DecodeJobSettled finds and decodes the JobSettled event among a
// transaction's logs.
func DecodeJobSettled(logs [][]byte) (JobSettled, bool) {
	sel := EventSelector(JobSettledSignature)
	for _, l := range logs {
		if len(l) != 4+32+1+32+32+8+8 || !bytes.Equal(l[:4], sel) {
			continue
		}
		var ev JobSettled
		b := l[4:]
		copy(ev.ID[:], b[0:32])
		ev.Outcome = Outcome(b[32])
		copy(ev.ProofHash[:], b[33:65])
		copy(ev.OutputHash[:], b[65:97])
		ev.PaidProvider = binary.BigEndian.Uint64(b[97:])
		ev.PaidConsumer = binary.BigEndian.Uint64(b[105:])
		return ev, true
	}
	return JobSettled{}, false
}
