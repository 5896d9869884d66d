//go:build linux

package nat

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// defaultGateway reads the IPv4 default route's gateway from /proc/net/route.
func defaultGateway() (netip.Addr, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("reading the routing table: %w", err)
	}
	defer f.Close()
	return parseRoutes(bufio.NewScanner(f))
}

// parseRoutes finds the first default route (destination 0, flag RTF_GATEWAY)
// in /proc/net/route's format; addresses are little-endian hex.
func parseRoutes(s *bufio.Scanner) (netip.Addr, error) {
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) < 4 || f[1] != "00000000" {
			continue
		}
		flags, err := hex.DecodeString(f[3])
		if err != nil || len(flags) != 2 || flags[1]&0x2 == 0 {
			continue
		}
		b, err := hex.DecodeString(f[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
		return netip.AddrFrom4(a), nil
	}
	if err := s.Err(); err != nil {
		return netip.Addr{}, fmt.Errorf("reading the routing table: %w", err)
	}
	return netip.Addr{}, errors.New("there is no IPv4 default route")
}
