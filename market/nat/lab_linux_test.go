//go:build linux

package nat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// The lab's addresses. The home LAN uses an unusual private subnet; the
// wan link is either CGNAT space or, where miniupnpd must forward, a
// non-reserved prefix that exists only on the veth pair between the gateway
// and wan namespaces (neither has any other link).
const (
	labGatewayLAN = "10.231.47.1"
	labHomeLAN    = "10.231.47.2"
	publicWAN     = "11.87.13" // .1 the wan side, .2 the gateway's external address
	cgnatWAN      = "100.87.13"
)

// lab is three network namespaces: gw runs miniupnpd between home (the
// provider's LAN) and wan (the internet's stand-in).
type lab struct {
	gw, home, wan string
	wanPrefix     string
	log           *syncBuffer
}

// externalIP is the gateway's address on the wan link.
func (l *lab) externalIP() string { return l.wanPrefix + ".2" }

// requireLabTools fails under CI (skips elsewhere) when the lab's programs
// or root are missing.
func requireLabTools(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Missing(t, "root (network namespaces)", fmt.Errorf("euid %d", os.Geteuid()))
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			testkit.Missing(t, tool+" (scripts/deps.sh installs it)", err)
		}
	}
}

// newLab creates the namespaces and links; with igd it also starts
// miniupnpd in gw with UPnP and NAT-PMP on. Everything is removed when the
// test ends, pass or fail.
func newLab(t *testing.T, wanPrefix string, igd bool) *lab {
	t.Helper()
	requireLabTools(t, "ip", "nft", "miniupnpd", "upnpc")
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	id := fmt.Sprintf("kn%05d%03d", os.Getpid()%100000, h.Sum32()%1000)
	l := &lab{gw: id + "g", home: id + "h", wan: id + "w", wanPrefix: wanPrefix, log: &syncBuffer{}}
	for _, ns := range []string{l.gw, l.home, l.wan} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	l.link(t, id+"a", l.gw, "lan0", labGatewayLAN+"/24", l.home, "eth0", labHomeLAN+"/24")
	l.link(t, id+"b", l.gw, "wan0", l.externalIP()+"/24", l.wan, "eth0", wanPrefix+".1/24")
	run(t, "ip", "-n", l.home, "route", "add", "default", "via", labGatewayLAN)
	run(t, "ip", "-n", l.gw, "route", "add", "default", "via", wanPrefix+".1")
	run(t, "ip", "netns", "exec", l.gw, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	if igd {
		l.startMiniupnpd(t)
	}
	return l
}

// link creates a veth pair between two namespaces, named and addressed.
func (l *lab) link(t *testing.T, tmp, ns1, name1, addr1, ns2, name2, addr2 string) {
	t.Helper()
	run(t, "ip", "link", "add", tmp+"x", "type", "veth", "peer", "name", tmp+"y")
	for _, end := range [][4]string{{tmp + "x", ns1, name1, addr1}, {tmp + "y", ns2, name2, addr2}} {
		run(t, "ip", "link", "set", end[0], "netns", end[1])
		run(t, "ip", "-n", end[1], "link", "set", end[0], "name", end[2])
		run(t, "ip", "-n", end[1], "addr", "add", end[3], "dev", end[2])
		run(t, "ip", "-n", end[1], "link", "set", end[2], "up")
	}
}

// The nftables names miniupnpd is configured with; the table and chains
// must exist before it can add a redirect.
const labRuleset = `table inet kinetic_upnp {
	chain forward { type filter hook forward priority 0; policy accept; jump kinetic_fwd; }
	chain kinetic_fwd { }
	chain prerouting { type nat hook prerouting priority -100; policy accept; jump kinetic_pre; }
	chain postrouting { type nat hook postrouting priority 100; policy accept; jump kinetic_post; }
	chain kinetic_pre { }
	chain kinetic_post { }
}
`

func (l *lab) startMiniupnpd(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	rules := filepath.Join(dir, "ruleset.nft")
	writeFile(t, rules, labRuleset)
	run(t, "ip", "netns", "exec", l.gw, "nft", "-f", rules)
	conf := filepath.Join(dir, "miniupnpd.conf")
	writeFile(t, conf, strings.Join([]string{
		"ext_ifname=wan0", "listening_ip=lan0", "http_port=5555",
		"enable_upnp=yes", "enable_natpmp=yes", "secure_mode=yes", "system_uptime=yes",
		"lease_file=" + filepath.Join(dir, "leases"),
		"uuid=6c1a3f7e-9b2d-4e61-8f0a-5d3c2b1a0e9f",
		"upnp_table_name=kinetic_upnp", "upnp_nat_table_name=kinetic_upnp",
		"upnp_forward_chain=kinetic_fwd", "upnp_nat_chain=kinetic_pre",
		"upnp_nat_postrouting_chain=kinetic_post",
		"allow 1024-65535 10.231.47.0/24 1024-65535",
		"deny 0-65535 0.0.0.0/0 0-65535", "",
	}, "\n"))
	cmd := exec.Command("ip", "netns", "exec", l.gw, "miniupnpd", "-f", conf, "-d", "-P", filepath.Join(dir, "pid"))
	cmd.Stdout, cmd.Stderr = l.log, l.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting miniupnpd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("miniupnpd log:\n%s", l.log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(l.log.String(), "Listening for NAT-PMP") {
		if time.Now().After(deadline) {
			t.Fatalf("miniupnpd did not start within 10s:\n%s", l.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// natRules lists the gateway's miniupnpd DNAT chain.
func (l *lab) natRules(t *testing.T) string {
	t.Helper()
	return run(t, "ip", "netns", "exec", l.gw, "nft", "list", "chain", "inet", "kinetic_upnp", "kinetic_pre")
}

// upnpcList is Debian's upnpc listing the router's mappings from home.
func (l *lab) upnpcList(t *testing.T) string {
	t.Helper()
	out, _ := exec.Command("ip", "netns", "exec", l.home, "upnpc", "-l").CombinedOutput()
	return string(out)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// child is this test binary re-run inside a namespace in one role.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan struct{}
}

// startChild runs the test binary in ns with KINETIC_NAT_CHILD=role; TestMain
// dispatches it. Its stdout lines arrive on lines; it is killed at test end.
func startChild(ctx context.Context, t *testing.T, ns, role string, env ...string) *child {
	t.Helper()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0])
	cmd.Env = append(append(os.Environ(), "KINETIC_NAT_CHILD="+role), env...)
	cmd.Stderr = &prefixWriter{t: t, prefix: role + ": "}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s child: %v", role, err)
	}
	c := &child{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 64), exited: make(chan struct{})}
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
		_ = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		<-c.exited
	})
	return c
}

// wait waits for the child to exit by itself.
func (c *child) wait(limit time.Duration) {
	c.t.Helper()
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(limit):
		c.t.Fatalf("child did not exit within %s", limit)
	}
}

// expect returns the next line starting with prefix (without it), failing
// after limit or if the child exits first.
func (c *child) expect(prefix string, limit time.Duration) string {
	c.t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("child exited before printing %q", prefix)
			}
			if rest, found := strings.CutPrefix(line, prefix+" "); found {
				return rest
			}
		case <-timer.C:
			c.t.Fatalf("child printed no %q line within %s", prefix, limit)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// prefixWriter logs a child's stderr through the test.
type prefixWriter struct {
	t      *testing.T
	prefix string
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
