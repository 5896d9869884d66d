//go:build linux

package nat

import (
	"bufio"
	"net/netip"
	"strings"
	"testing"
)

func TestParseRoutesFindsTheDefaultGateway(t *testing.T) {
	const table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t002FE70A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
		"eth0\t00000000\t012FE70A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	got, err := parseRoutes(bufio.NewScanner(strings.NewReader(table)))
	if err != nil || got != netip.MustParseAddr("10.231.47.1") {
		t.Fatalf("parseRoutes = %v, %v; want 10.231.47.1", got, err)
	}
	_, err = parseRoutes(bufio.NewScanner(strings.NewReader(strings.SplitAfter(table, "\n")[0] + strings.SplitAfter(table, "\n")[1])))
	if err == nil || err.Error() != "there is no IPv4 default route" {
		t.Errorf("without a default route: %v", err)
	}
}
