package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/proof"
)

// verifyUsage is printed above the verify flags.
const verifyUsage = "usage: kinetic verify [--job ID] [--provider ADDRESS] [--partial] [--algod URL [--algod-token T] | --localnet] [--escrow-app ID] proof.json\n"

// verifyTimeout bounds the on-chain check.
const verifyTimeout = 2 * time.Minute

// verifyOptions are the parsed flags of `kinetic verify`.
type verifyOptions struct {
	path      string
	job       *proof.JobID
	key       ed25519.PublicKey
	partial   bool
	algodURL  string
	token     string
	localNet  bool
	escrowApp uint64
	// localNetDir is the global --localnet-dir, used by --localnet.
	localNetDir string
	// stores are the deployment stores the network's Escrow is looked up
	// in (by genesis hash) when --escrow-app is not given.
	stores []contracts.DeploymentStore
}

// runVerify runs `kinetic verify proof.json`: it decodes the chain
// document and checks it offline (order, links, hashes, signatures; all
// nine steps unless --partial), optionally against the expected job id and
// provider address; with --algod or --localnet it then checks the
// transactions the proof names on-chain (escrow lock, anchored hash,
// settlement) against the Escrow app of the node's network: --escrow-app,
// else the one the deployment stores (the data dir's deployments.json,
// the LocalNet directory's record) or the committed ARC-56 networks map
// name for the node's genesis hash, which must run the committed Escrow
// bytecode. --localnet reads the endpoint of the LocalNet in
// cfg.LocalNetDir.
func (r runner) runVerify(ctx context.Context, cfg Config, args []string) error {
	o, err := r.parseVerify(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	o.localNetDir = cfg.LocalNetDir
	o.stores = []contracts.DeploymentStore{localNetAppsStore(cfg.LocalNetDir)}
	if !o.localNet {
		o.stores = append([]contracts.DeploymentStore{contracts.NewFileDeploymentStore(filepath.Join(cfg.DataDir, "deployments.json"))}, o.stores...)
	}
	c, err := r.verifyOffline(o)
	if err != nil {
		return err
	}
	if o.algodURL == "" && !o.localNet {
		fmt.Fprintln(r.stdout, "checked offline (pass --algod URL or --localnet to check the anchored hash and the settlement on-chain)")
		return nil
	}
	fmt.Fprintln(r.stdout, "checked offline")
	return r.verifyOnChain(ctx, o, c)
}

func (r runner) parseVerify(args []string) (verifyOptions, error) {
	var o verifyOptions
	fs := flag.NewFlagSet("kinetic verify", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() {
		fmt.Fprint(r.stderr, verifyUsage)
		fs.PrintDefaults()
	}
	job := fs.String("job", "", "the job id the proof must be for (64 hex digits)")
	provider := fs.String("provider", "", "the Algorand address that must have signed the proof")
	fs.BoolVar(&o.partial, "partial", false, "accept a chain of a job still running (fewer than nine steps)")
	fs.StringVar(&o.algodURL, "algod", os.Getenv(EnvAlgodURL), "algod REST URL: also check the proof's transactions on-chain (env "+EnvAlgodURL+")")
	var token Secret // never printed: see secretVar
	secretVar(fs, &token, "algod-token", EnvAlgodToken, "algod API token")
	fs.BoolVar(&o.localNet, "localnet", false, "check on-chain against the running LocalNet")
	fs.Uint64Var(&o.escrowApp, "escrow-app", 0, "the Escrow app id the proof must name (default: the network's, from the deployment store or the committed ARC-56 spec; never the proof's)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.token = string(token)
	if fs.NArg() != 1 {
		return o, errors.New(strings.TrimSuffix(verifyUsage, "\n"))
	}
	o.path = fs.Arg(0)
	if *job != "" {
		id, err := proof.ParseJobID(*job)
		if err != nil {
			return o, fmt.Errorf("--job: %w", err)
		}
		o.job = &id
	}
	if *provider != "" {
		addr, err := types.DecodeAddress(*provider)
		if err != nil {
			return o, fmt.Errorf("--provider: %w", err)
		}
		o.key = ed25519.PublicKey(addr[:])
	}
	return o, nil
}

// verifyOffline decodes and verifies the document and prints what it holds.
func (r runner) verifyOffline(o verifyOptions) (*proof.Chain, error) {
	f, err := os.Open(o.path)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	c, err := proof.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", o.path, err)
	}
	verify := proof.Verify
	if o.partial {
		verify = proof.VerifyPartial
	}
	if err := verify(c, o.job, o.key); err != nil {
		return nil, fmt.Errorf("verify %s: %w", o.path, err)
	}
	var addr types.Address
	copy(addr[:], c.Provider)
	fmt.Fprintf(r.stdout, "proof OK: %d steps in order, linked, hashed and signed\n", len(c.Steps))
	fmt.Fprintf(r.stdout, "job:           %s\n", c.JobID)
	fmt.Fprintf(r.stdout, "provider:      %s\n", addr)
	if anchor, err := proof.AnchorHash(c); err == nil {
		fmt.Fprintf(r.stdout, "anchored hash: %s\n", anchor)
	}
	return c, nil
}

// verifyOnChain checks the proof's transactions on the node and prints
// where they were confirmed.
func (r runner) verifyOnChain(ctx context.Context, o verifyOptions, c *proof.Chain) error {
	url, token := o.algodURL, o.token
	if o.localNet {
		var err error
		if url, token, err = localnet.New(o.localNetDir, nil).Endpoint(); err != nil {
			return fmt.Errorf("verify --localnet: %w", err)
		}
	}
	client, err := algod.MakeClient(url, token)
	if err != nil {
		return fmt.Errorf("verify: algod %s: %w", url, err)
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	rep, err := onChainChecker{algod: client, escrow: o.escrowApp, stores: o.stores}.check(ctx, c)
	if err != nil {
		return fmt.Errorf("verify %s on-chain (algod %s): %w", o.path, url, err)
	}
	var parts []string
	if l := rep.Locked; l != nil {
		parts = append(parts, fmt.Sprintf("escrow locked at round %d (tx %s)", l.Round, l.TxID))
	}
	if a := rep.Anchored; a != nil {
		parts = append(parts, fmt.Sprintf("anchored at round %d (tx %s)", a.Round, a.TxID))
	}
	if s := rep.Settled; s != nil {
		parts = append(parts, fmt.Sprintf("settled by %s at round %d (tx %s), provider paid %d µALGO", rep.SettledBy, s.Round, s.TxID, rep.Paid))
	}
	if len(parts) == 0 {
		parts = append(parts, "no step names a transaction yet")
	}
	fmt.Fprintf(r.stdout, "checked on-chain (%s, Escrow app %d from %s, committed bytecode): %s\n", rep.Network, rep.Escrow, rep.EscrowFrom, strings.Join(parts, ", "))
	return nil
}
