// Package wallet owns accounts and their secrets (OS keyring, or a
// passphrase-encrypted fallback keystore), transaction signing, balances,
// the transaction-history follower and the spending ledger with budgets.
// Secret keys never leave this package.
package wallet
