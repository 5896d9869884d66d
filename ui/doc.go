// Package ui holds Kinetic's Fyne screens, one file per screen: the
// Marketplace, Jobs, Wallet, Provide, Dashboard and Settings tabs and the
// navigation that joins them.
//
// The package never talks to algod, Docker, NVML or the keyring itself. Each
// screen declares the small interface it needs (for example StatusSource) and
// the composition root in package app implements it. Work that can block runs
// off the UI goroutine; its results are applied with fyne.Do.
package ui
