package contracts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/assets/badges"
)

// Deployment records the three apps deployed on one network.
type Deployment struct {
	Network     string // genesis id
	GenesisHash string // base64
	Apps        AppIDs
	Creator     string
	Round       uint64
	// ProgramHash is ProgramHash() of the code deployed (empty in records
	// written before v2): on LocalNet a mismatch means redeploy.
	ProgramHash string `json:",omitempty"`
}

// ErrWrongNetwork reports a node whose genesis hash is not the deployment's.
var ErrWrongNetwork = errors.New("contracts: node is on another network than the deployment")

// DeployConfig holds the bounds and thresholds set at bootstrap.
type DeployConfig struct {
	Tiers                    [3]uint64 // completed jobs for badge tiers 1..3
	MinDeadline, MaxDeadline uint64    // rounds
	MinWindow, MaxWindow     uint64    // dispute window, rounds
	BadgePool                uint64    // microAlgo the BadgeMinter gets to mint with
	// Logger, when set, gets a line each time EnsureDeployed replaces a
	// recorded deployment (other programs, or apps gone).
	Logger *slog.Logger
}

// DefaultDeployConfig: tiers at 10/100/1000 completed jobs, deadlines of
// 10 rounds to ~30 days, dispute windows of 10 rounds to ~7 days, and a
// pool for 10 mints.
func DefaultDeployConfig() DeployConfig {
	return DeployConfig{Tiers: [3]uint64{10, 100, 1000}, MinDeadline: 10, MaxDeadline: 1_000_000,
		MinWindow: 10, MaxWindow: 250_000, BadgePool: 10 * BadgeMintCost}
}

// CheckNetwork refuses (ErrWrongNetwork) a node whose genesis hash differs
// from the deployment's.
func CheckNetwork(ctx context.Context, c *algod.Client, d Deployment) error {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return fmt.Errorf("contracts: node params: %w", err)
	}
	if got := b64(sp.GenesisHash); got != d.GenesisHash {
		return fmt.Errorf("%w: node %s (%s), deployment %s (%s)", ErrWrongNetwork, sp.GenesisID, got, d.Network, d.GenesisHash)
	}
	return nil
}

// EnsureDeployed is LocalNet's automatic deployment: it returns the
// deployment recorded for the node's network when it was made from the
// committed programs (same ProgramHash) and its apps still run them;
// otherwise it creates, funds and configures the three apps with
// DefaultDeployConfig, records them and returns them. It refuses
// (ErrPublicNetwork) on TestNet, BetaNet and MainNet, whose apps come from
// configuration (ResolveDeployment) and only an operator's Deploy creates.
func EnsureDeployed(ctx context.Context, c *algod.Client, creator types.Address, signer transaction.TransactionSigner, store DeploymentStore) (Deployment, error) {
	return EnsureDeployedWith(ctx, c, creator, signer, store, DefaultDeployConfig())
}

// EnsureDeployedWith is EnsureDeployed with explicit bounds and thresholds.
func EnsureDeployedWith(ctx context.Context, c *algod.Client, creator types.Address, signer transaction.TransactionSigner, store DeploymentStore, cfg DeployConfig) (Deployment, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return Deployment{}, fmt.Errorf("contracts: node params: %w", err)
	}
	gh := b64(sp.GenesisHash)
	if name, public := PublicNetworks()[gh]; public {
		return Deployment{}, fmt.Errorf("%w: %s", ErrPublicNetwork, name)
	}
	hash, err := ProgramHash()
	if err != nil {
		return Deployment{}, err
	}
	if d, ok, err := store.Load(gh); err != nil {
		return Deployment{}, err
	} else if ok {
		live, err := deploymentLive(ctx, c, d)
		if err != nil {
			return Deployment{}, err
		}
		switch {
		case live && d.ProgramHash == hash:
			return d, nil
		case d.ProgramHash != hash:
			cfg.log("contracts: committed programs changed, deploying a new set", "network", sp.GenesisID,
				"recorded_hash", d.ProgramHash, "program_hash", hash, "old_registry", d.Apps.Registry, "old_escrow", d.Apps.Escrow)
		default:
			cfg.log("contracts: recorded apps are gone or run other code, deploying a new set", "network", sp.GenesisID,
				"old_registry", d.Apps.Registry, "old_escrow", d.Apps.Escrow)
		}
	}
	return Deploy(ctx, c, creator, signer, store, cfg)
}

func (cfg DeployConfig) log(msg string, args ...any) {
	if cfg.Logger != nil {
		cfg.Logger.Info(msg, args...)
	}
}

// deploymentLive reports whether all three apps exist with the committed code.
func deploymentLive(ctx context.Context, c *algod.Client, d Deployment) (bool, error) {
	ids := map[string]uint64{"Registry": d.Apps.Registry, "Escrow": d.Apps.Escrow, "BadgeMinter": d.Apps.Badge}
	for name, id := range ids {
		spec, err := LoadSpec(name)
		if err != nil {
			return false, err
		}
		approval, _, err := spec.Programs()
		if err != nil {
			return false, err
		}
		app, err := c.GetApplicationByID(id).Do(ctx)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("contracts: app %d: %w", id, err)
		}
		if !bytes.Equal(app.Params.ApprovalProgram, approval) {
			return false, nil
		}
	}
	return true, nil
}

func createApps(ctx context.Context, c *algod.Client, creator types.Address, signer transaction.TransactionSigner) (AppIDs, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return AppIDs{}, fmt.Errorf("contracts: params: %w", err)
	}
	var atc transaction.AtomicTransactionComposer
	for _, d := range Apps() {
		spec, err := LoadSpec(d.Name)
		if err != nil {
			return AppIDs{}, err
		}
		approval, clear, err := spec.Programs()
		if err != nil {
			return AppIDs{}, err
		}
		extra := uint32((len(approval) + len(clear) - 1) / 2048)
		txn, err := transaction.MakeApplicationCreateTxWithExtraPages(false, approval, clear,
			types.StateSchema{NumUint: d.GlobalInts, NumByteSlice: d.GlobalBytes}, types.StateSchema{},
			nil, nil, nil, nil, sp, creator, []byte("kinetic "+d.Name), types.Digest{}, [32]byte{}, types.ZeroAddress, extra)
		if err != nil {
			return AppIDs{}, fmt.Errorf("contracts: create %s: %w", d.Name, err)
		}
		if err := atc.AddTransaction(transaction.TransactionWithSigner{Txn: txn, Signer: signer}); err != nil {
			return AppIDs{}, err
		}
	}
	res, err := atc.Execute(c, ctx, 4)
	if err != nil {
		return AppIDs{}, fmt.Errorf("contracts: create apps: %w", err)
	}
	var ids [3]uint64
	for i, txid := range res.TxIDs {
		info, _, err := c.PendingTransactionInformation(txid).Do(ctx)
		if err != nil {
			return AppIDs{}, fmt.Errorf("contracts: created app id: %w", err)
		}
		ids[i] = info.ApplicationIndex
	}
	return AppIDs{Registry: ids[0], Escrow: ids[1], Badge: ids[2]}, nil
}

// bootstrap funds the three app accounts and wires them together in one group.
func bootstrap(ctx context.Context, c *algod.Client, creator types.Address, signer transaction.TransactionSigner, apps AppIDs, cfg DeployConfig) (uint64, error) {
	cl, err := NewClient(c, apps)
	if err != nil {
		return 0, err
	}
	tiers, err := badges.All()
	if err != nil {
		return 0, err
	}
	var atc transaction.AtomicTransactionComposer
	funds := []struct {
		app    uint64
		amount uint64
	}{{apps.Registry, 100000}, {apps.Escrow, 100000}, {apps.Badge, 100000 + cfg.BadgePool}}
	for _, f := range funds {
		pay, err := cl.payment(ctx, creator, signer, crypto.GetApplicationAddress(f.app), f.amount)
		if err != nil {
			return 0, err
		}
		if err := atc.AddTransaction(pay); err != nil {
			return 0, err
		}
	}
	calls := []call{
		{app: apps.Registry, method: "Registry.configure",
			args: []interface{}{apps.Escrow, apps.Badge, cfg.Tiers[0], cfg.Tiers[1], cfg.Tiers[2]}},
		{app: apps.Escrow, method: "Escrow.configure",
			args: []interface{}{apps.Registry, cfg.MinDeadline, cfg.MaxDeadline, cfg.MinWindow, cfg.MaxWindow}},
		{app: apps.Badge, method: "BadgeMinter.configure", args: []interface{}{apps.Registry,
			tiers[0].URL, tiers[0].Hash[:], tiers[1].URL, tiers[1].Hash[:], tiers[2].URL, tiers[2].Hash[:]}},
	}
	for _, k := range calls {
		if err := cl.addCall(ctx, &atc, creator, signer, k); err != nil {
			return 0, err
		}
	}
	res, err := cl.execute(ctx, &atc, "bootstrap")
	if err != nil {
		return 0, err
	}
	return res.Round, nil
}
