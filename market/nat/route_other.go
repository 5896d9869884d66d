//go:build !linux

package nat

import (
	"errors"
	"net/netip"
)

// defaultGateway is only read from the system on Linux; elsewhere
// Config.NATPMPGateway must name the router.
func defaultGateway() (netip.Addr, error) {
	return netip.Addr{}, errors.New("the router's address is not known on this system: set Config.NATPMPGateway")
}
