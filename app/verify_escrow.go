package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"

	"github.com/kinetic-compute/kinetic/contracts"
)

// escrowOf returns the Escrow app of the node's network (genesisHash,
// base64) that a proof must name: the explicit id when one was given,
// else the first of stores with a record for the network, else the
// committed ARC-56 "networks" map. It never takes the id from the proof.
func escrowOf(genesisHash, genesisID string, explicit uint64, stores []contracts.DeploymentStore) (escrowRef, error) {
	if explicit != 0 {
		return escrowRef{explicit, "--escrow-app"}, nil
	}
	for _, s := range stores {
		d, ok, err := s.Load(genesisHash)
		if err != nil {
			return escrowRef{}, fmt.Errorf("reading the deployment store: %w", err)
		}
		if ok && d.Apps.Escrow != 0 {
			return escrowRef{d.Apps.Escrow, "the deployment store"}, nil
		}
	}
	d, ok, err := contracts.SpecDeployment(genesisHash)
	if err != nil {
		return escrowRef{}, err
	}
	if ok && d.Apps.Escrow != 0 {
		return escrowRef{d.Apps.Escrow, "the committed ARC-56 networks map"}, nil
	}
	return escrowRef{}, fmt.Errorf("%w: %s (%s) has no recorded Escrow app; pass --escrow-app ID", contracts.ErrNoDeployment, genesisID, genesisHash)
}

// checkEscrowProgram checks that app id runs exactly the committed Escrow
// approval and clear programs (contracts/arc56), so that a lookalike app
// that logs the same events cannot stand in for it.
func checkEscrowProgram(ctx context.Context, c *algod.Client, escrow escrowRef) error {
	spec, err := contracts.LoadSpec("Escrow")
	if err != nil {
		return err
	}
	approval, clear, err := spec.Programs()
	if err != nil {
		return err
	}
	app, err := c.GetApplicationByID(escrow.id).Do(ctx)
	var notFound common.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%w: Escrow app %d (from %s) does not exist on this network", contracts.ErrProgramMismatch, escrow.id, escrow.from)
	}
	if err != nil {
		return fmt.Errorf("reading Escrow app %d: %w", escrow.id, err)
	}
	if !bytes.Equal(app.Params.ApprovalProgram, approval) || !bytes.Equal(app.Params.ClearStateProgram, clear) {
		return fmt.Errorf("%w: app %d (from %s) is not the Escrow: its programs are not the committed Escrow bytecode", contracts.ErrProgramMismatch, escrow.id, escrow.from)
	}
	return nil
}

// genesisHashOf encodes a node's genesis hash as the deployment store keys it.
func genesisHashOf(h []byte) string { return base64.StdEncoding.EncodeToString(h) }
