package wallet

import (
	"crypto/sha512"
	"encoding/hex"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// Labeler labels history entries by the Kinetic applications they involve.
// App ids are plain numbers so the wallet needs no contracts import; zero
// disables the rules of that app.
type Labeler struct {
	EscrowApp   uint64
	RegistryApp uint64
	BadgeApp    uint64
	// Methods maps Escrow ABI method selectors (see MethodSelector) to the
	// label of the payouts that method makes: e.g. release → LabelReleaseReceived,
	// refund → LabelRefund, claim → LabelClaim. A payout of an unlisted method
	// is labelled LabelReleaseReceived.
	Methods map[[4]byte]Label
}

// MethodSelector returns the ARC-4 selector of an ABI method signature such
// as "release(byte[32])void".
func MethodSelector(signature string) [4]byte {
	h := sha512.Sum512_256([]byte(signature))
	return [4]byte{h[0], h[1], h[2], h[3]}
}

// txnContext is what labelling knows about a transaction's surroundings.
type txnContext struct {
	group  []types.Transaction // the top-level group (or the lone transaction)
	parent *types.Transaction  // the app call that issued an inner transaction
	outer  *types.Transaction  // the top-level transaction of an inner one
}

// label classifies tx in context.
func (l Labeler) label(tx types.Transaction, c txnContext) Label {
	if l.isBadge(tx, c) {
		return LabelBadge
	}
	if l.EscrowApp != 0 {
		escrow := crypto.GetApplicationAddress(l.EscrowApp)
		if tx.Type == types.PaymentTx && tx.Receiver == escrow && c.parent == nil {
			return LabelEscrowLock
		}
		if tx.Type == types.PaymentTx && tx.Sender == escrow && c.parent != nil {
			return l.payoutLabel(tx, *c.parent, c.outer)
		}
	}
	if tx.Type == types.PaymentTx && (tx.Amount > 0 || !tx.CloseRemainderTo.IsZero()) {
		return LabelTransfer
	}
	if tx.Type == types.AssetTransferTx && (tx.AssetAmount > 0 || !tx.AssetCloseTo.IsZero()) {
		return LabelTransfer
	}
	return LabelFee
}

func (l Labeler) payoutLabel(tx, parent types.Transaction, outer *types.Transaction) Label {
	lbl := LabelReleaseReceived
	if len(parent.ApplicationArgs) > 0 && len(parent.ApplicationArgs[0]) == 4 {
		var sel [4]byte
		copy(sel[:], parent.ApplicationArgs[0])
		if m, ok := l.Methods[sel]; ok {
			lbl = m
		}
	}
	// A release returns the unbilled rest to the consumer who called it.
	if lbl == LabelReleaseReceived && outer != nil && tx.Receiver == outer.Sender {
		return LabelRefund
	}
	return lbl
}

func (l Labeler) isBadge(tx types.Transaction, c txnContext) bool {
	if l.BadgeApp == 0 {
		return false
	}
	app := types.AppIndex(l.BadgeApp)
	if tx.Type == types.ApplicationCallTx && tx.ApplicationID == app {
		return true
	}
	if tx.Sender == crypto.GetApplicationAddress(l.BadgeApp) {
		return true
	}
	if c.parent != nil && c.parent.ApplicationID == app {
		return true
	}
	if tx.Type == types.AssetTransferTx {
		for _, g := range c.group {
			if g.Type == types.ApplicationCallTx && g.ApplicationID == app {
				return true
			}
		}
	}
	return false
}

// jobID finds an Escrow job box reference ('j' ‖ 32-byte id) in the group's
// Escrow app calls and returns the id in hex, or "".
func (l Labeler) jobID(group []types.Transaction) string {
	if l.EscrowApp == 0 {
		return ""
	}
	for _, g := range group {
		if g.Type != types.ApplicationCallTx || g.ApplicationID != types.AppIndex(l.EscrowApp) {
			continue
		}
		for _, br := range g.BoxReferences {
			if len(br.Name) == 33 && br.Name[0] == 'j' {
				return hex.EncodeToString(br.Name[1:])
			}
		}
	}
	return ""
}
