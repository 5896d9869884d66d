package contracts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// One market per network: LocalNet deploys its own apps automatically
// (EnsureDeployed); every other network shares one Registry, Escrow and
// BadgeMinter whose ids come from configuration — the deployment store's
// record for the network's genesis hash, else the committed ARC-56
// "networks" maps — and whose programs must equal the committed bytecode
// (ResolveDeployment). Only an operator's explicit Deploy creates a set
// there.

// ErrNoDeployment reports a network with no configured deployment.
var ErrNoDeployment = errors.New("contracts: no deployment configured for this network")

// ErrProgramMismatch reports a configured app whose programs are not the
// committed bytecode (another version, or a lookalike app).
var ErrProgramMismatch = errors.New("contracts: deployed program differs from the committed bytecode")

// ErrPublicNetwork reports an automatic deployment attempted on TestNet,
// BetaNet or MainNet.
var ErrPublicNetwork = errors.New("contracts: refusing to deploy automatically on a public network (use 'kinetic deploy')")

// PublicNetworks maps the genesis hashes (base64) of Algorand's public
// networks to their genesis ids.
func PublicNetworks() map[string]string {
	return map[string]string{
		"wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=": "mainnet-v1.0",
		"SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=": "testnet-v1.0",
		"mFgazF+2uRS1tMiL9dsj01hJGySEmPN28B/TjjvpVW0=": "betanet-v1.0",
	}
}

// ProgramHash is the hex SHA-256 of the committed approval and clear
// programs of Registry, Escrow and BadgeMinter, in that order: a
// deployment recorded with another hash runs other code.
func ProgramHash() (string, error) {
	h := sha256.New()
	for _, d := range Apps() {
		spec, err := LoadSpec(d.Name)
		if err != nil {
			return "", err
		}
		approval, clear, err := spec.Programs()
		if err != nil {
			return "", err
		}
		h.Write(approval)
		h.Write(clear)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SpecDeployment returns the deployment the committed ARC-56 specs name
// for a genesis hash: all three "networks" maps must have an entry.
func SpecDeployment(genesisHash string) (Deployment, bool, error) {
	var ids [3]uint64
	for i, d := range Apps() {
		spec, err := LoadSpec(d.Name)
		if err != nil {
			return Deployment{}, false, err
		}
		n, ok := spec.Networks[genesisHash]
		if !ok || n.AppID == 0 {
			return Deployment{}, false, nil
		}
		ids[i] = n.AppID
	}
	return Deployment{GenesisHash: genesisHash, Apps: AppIDs{Registry: ids[0], Escrow: ids[1], Badge: ids[2]}}, true, nil
}

// VerifyPrograms checks that each app of d exists on the node with exactly
// the committed approval and clear programs.
func VerifyPrograms(ctx context.Context, c *algod.Client, d Deployment) error {
	ids := []uint64{d.Apps.Registry, d.Apps.Escrow, d.Apps.Badge}
	for i, decl := range Apps() {
		spec, err := LoadSpec(decl.Name)
		if err != nil {
			return err
		}
		approval, clear, err := spec.Programs()
		if err != nil {
			return err
		}
		app, err := c.GetApplicationByID(ids[i]).Do(ctx)
		if isNotFound(err) {
			return fmt.Errorf("%w: %s app %d does not exist", ErrProgramMismatch, decl.Name, ids[i])
		}
		if err != nil {
			return fmt.Errorf("contracts: %s app %d: %w", decl.Name, ids[i], err)
		}
		if !bytes.Equal(app.Params.ApprovalProgram, approval) || !bytes.Equal(app.Params.ClearStateProgram, clear) {
			return fmt.Errorf("%w: %s app %d", ErrProgramMismatch, decl.Name, ids[i])
		}
	}
	return nil
}

// ResolveDeployment returns the configured deployment of the node's
// network — the store's record for its genesis hash, else the committed
// ARC-56 networks maps — after checking that the node is on that network
// and that every app runs the committed bytecode. It never deploys:
// ErrNoDeployment when nothing is configured, ErrProgramMismatch when an
// app runs other code.
func ResolveDeployment(ctx context.Context, c *algod.Client, store DeploymentStore) (Deployment, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return Deployment{}, fmt.Errorf("contracts: node params: %w", err)
	}
	gh := b64(sp.GenesisHash)
	d, ok, err := store.Load(gh)
	if err != nil {
		return Deployment{}, err
	}
	if !ok {
		if d, ok, err = SpecDeployment(gh); err != nil {
			return Deployment{}, err
		}
		d.Network = sp.GenesisID
	}
	if !ok {
		return Deployment{}, fmt.Errorf("%w: %s (%s)", ErrNoDeployment, sp.GenesisID, gh)
	}
	if err := VerifyPrograms(ctx, c, d); err != nil {
		return Deployment{}, err
	}
	return d, nil
}

// Deploy creates, funds and configures a new Registry, Escrow and
// BadgeMinter on the node's network, whatever is recorded, and records
// them in store. It is the operator's explicit command ('kinetic deploy');
// nothing calls it on its own.
func Deploy(ctx context.Context, c *algod.Client, creator types.Address, signer transaction.TransactionSigner, store DeploymentStore, cfg DeployConfig) (Deployment, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return Deployment{}, fmt.Errorf("contracts: node params: %w", err)
	}
	hash, err := ProgramHash()
	if err != nil {
		return Deployment{}, err
	}
	d := Deployment{Network: sp.GenesisID, GenesisHash: b64(sp.GenesisHash), Creator: creator.String(), ProgramHash: hash}
	if d.Apps, err = createApps(ctx, c, creator, signer); err != nil {
		return Deployment{}, err
	}
	if d.Round, err = bootstrap(ctx, c, creator, signer, d.Apps, cfg); err != nil {
		return Deployment{}, err
	}
	if err := store.Save(d); err != nil {
		return Deployment{}, err
	}
	return d, nil
}
