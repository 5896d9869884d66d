// Package app is Kinetic's composition root. It parses the command line,
// resolves the network preset and the data directory, opens the one bbolt
// store (failing fast when another instance holds it), sets up logging and
// crash output, and then either runs a CLI subcommand (localnet, verify) or
// opens the GUI with its tray menu.
//
// It is the only package besides ui that imports Fyne, and the only one that
// joins the domain packages (compute, wallet, contracts/localnet, proof) to
// the screens: it implements the small interfaces that ui declares.
package app
