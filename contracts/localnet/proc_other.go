//go:build !unix

package localnet

import (
	"fmt"
	"runtime"
)

// processAlive is false: no LocalNet node runs on this system.
func processAlive(int) bool { return false }

// supported explains that LocalNet does not run here and what to use.
func supported() error {
	return fmt.Errorf("localnet: %w (this is %s); use TestNet instead: --network testnet --algod-url URL of a TestNet node",
		ErrUnsupported, runtime.GOOS)
}
