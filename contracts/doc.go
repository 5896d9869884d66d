// Package contracts owns the Registry, Escrow and BadgeMinter TEAL sources,
// their ARC-56 specs with compiled bytecode, the typed Go clients, and
// deployment per network.
package contracts
