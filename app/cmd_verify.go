package app

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/proof"
)

// verifyUsage is printed above the verify flags.
const verifyUsage = "usage: kinetic verify [--job ID] [--provider ADDRESS] proof.json\n"

// runVerify runs `kinetic verify proof.json`: it decodes the chain document
// and checks it offline (all nine steps, order, links, hashes, signatures),
// optionally against the expected job id and provider address.
func (r runner) runVerify(args []string) error {
	fs := flag.NewFlagSet("kinetic verify", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() {
		fmt.Fprint(r.stderr, verifyUsage)
		fs.PrintDefaults()
	}
	job := fs.String("job", "", "the job id the proof must be for (64 hex digits)")
	provider := fs.String("provider", "", "the Algorand address that must have signed the proof")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(verifyUsage[:len(verifyUsage)-1])
	}
	var wantJob *proof.JobID
	if *job != "" {
		id, err := proof.ParseJobID(*job)
		if err != nil {
			return fmt.Errorf("--job: %w", err)
		}
		wantJob = &id
	}
	var wantKey ed25519.PublicKey
	if *provider != "" {
		addr, err := types.DecodeAddress(*provider)
		if err != nil {
			return fmt.Errorf("--provider: %w", err)
		}
		wantKey = ed25519.PublicKey(addr[:])
	}
	return r.verifyFile(fs.Arg(0), wantJob, wantKey)
}

func (r runner) verifyFile(path string, job *proof.JobID, key ed25519.PublicKey) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	c, err := proof.Decode(f)
	if err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	if err := proof.Verify(c, job, key); err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	anchor, err := proof.AnchorHash(c)
	if err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	var addr types.Address
	copy(addr[:], c.Provider)
	fmt.Fprintf(r.stdout, "proof OK: %d steps in order, linked, hashed and signed\n", len(c.Steps))
	fmt.Fprintf(r.stdout, "job:           %s\n", c.JobID)
	fmt.Fprintf(r.stdout, "provider:      %s\n", addr)
	fmt.Fprintf(r.stdout, "anchored hash: %s\n", anchor)
	fmt.Fprintln(r.stdout, "(checked offline; the on-chain check of the anchored hash and the settlement is not built yet)")
	return nil
}
