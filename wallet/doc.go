// Package wallet owns accounts and their secrets (OS keyring, or a
// passphrase-encrypted fallback keystore), transaction signing, balances,
// the transaction-history follower and the spending ledger with budgets.
// Secret keys never leave this package.
//
// A Signer refuses transactions not sent by its account and any close or
// rekey unless created with SignerOptions allowing it. Payments that spend
// toward a job (escrow locks, top-ups) must be signed through a
// BudgetedSigner, which reserves the group's outflow against the Budget
// before signing.
package wallet
