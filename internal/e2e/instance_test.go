package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// kineticBin is the binary TestMain built from the module root.
var kineticBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds bin/kinetic into a temporary directory once, runs the
// tests and removes it.
func buildAndRun(m *testing.M) int {
	root, err := filepath.Abs("../..")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "go.mod"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: module root not found: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kinetic-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	kineticBin = filepath.Join(dir, "kinetic")
	goCmd := "go"
	if g := os.Getenv("GO"); g != "" {
		goCmd = g
	}
	build := exec.Command(goCmd, "build", "-o", kineticBin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build -o %s . in %s: %v\n%s", kineticBin, root, err, out)
		return 1
	}
	return m.Run()
}

// testPrice is the providers' price: 1000 µALGO per second.
const testPrice = 3_600_000

// fundAmount is what `kinetic wallet fund` gives each instance's account.
const fundAmount = 50_000_000

// market is one contract set, deployed for the test with a badge tier
// lowered to one completed job, and the node it lives on.
type market struct {
	t     *testing.T
	ctx   context.Context
	url   string
	token string
	dep   contracts.Deployment
	chain *contracts.Client
}

// newMarket deploys a fresh Registry, Escrow and BadgeMinter whose first
// badge tier is one completed job. Each instance uses it through the
// deployments.json of its data dir: `--network custom` reads the
// deployment recorded there (contracts.ResolveDeployment), as it does for
// a set made by `kinetic deploy`.
func newMarket(t *testing.T) *market {
	t.Helper()
	testkit.Keyring(t)
	testkit.TestImage(t)
	ctx := testkit.Context(t, 4*time.Minute)
	c := testkit.Algod(t)
	url, token := testkit.AlgodEndpoint(t)
	creator := testkit.FundedAccount(t, 20_000_000)
	cfg := contracts.DefaultDeployConfig()
	cfg.Tiers = [3]uint64{1, 100, 1000}
	cfg.BadgePool = 3 * contracts.BadgeMintCost
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	d, err := contracts.Deploy(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator}, store, cfg)
	if err != nil {
		t.Fatalf("deploy the test contracts: %v", err)
	}
	cc, err := contracts.NewClient(c, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	return &market{t: t, ctx: ctx, url: url, token: token, dep: d, chain: cc}
}

// instance is one Kinetic instance: its own data dir and account.
type instance struct {
	m    *market
	name string
	dir  string
	logs string
	acct crypto.Account
	runs int
}

// newInstance makes a data dir recording the market's deployment, imports
// a new account into it with `kinetic wallet import` (words on stdin) and
// funds it with `kinetic wallet fund`.
func (m *market) newInstance(name string) *instance {
	t := m.t
	t.Helper()
	in := &instance{m: m, name: name, dir: t.TempDir(), logs: t.TempDir(), acct: crypto.GenerateAccount()}
	if err := contracts.NewFileDeploymentStore(filepath.Join(in.dir, "deployments.json")).Save(m.dep); err != nil {
		t.Fatal(err)
	}
	words, err := mnemonic.FromPrivateKey(in.acct.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	out := in.run(words+"\n", "wallet", "import", "--name", name)
	if want := fmt.Sprintf("imported account %q %s", name, in.acct.Address); !strings.Contains(out, want) {
		t.Fatalf("%s: wallet import printed %q, want %q", name, out, want)
	}
	out = in.run("", "wallet", "fund", "--amount", strconv.Itoa(fundAmount))
	if want := fmt.Sprintf("; balance %d µALGO\n", fundAmount); !strings.HasSuffix(out, want) {
		t.Fatalf("%s: wallet fund printed %q", name, out)
	}
	if got := m.balance(in.acct.Address); got != fundAmount {
		t.Fatalf("%s: balance %d after wallet fund, want %d", name, got, fundAmount)
	}
	return in
}

// args are the global flags of the instance followed by args.
func (in *instance) args(args ...string) []string {
	return append([]string{"--data-dir", in.dir, "--network", "custom", "--algod-url", in.m.url}, args...)
}

// command is a kinetic process of the instance whose output goes to files
// in its log dir; the token reaches it through the environment, never argv.
func (in *instance) command(args ...string) (*exec.Cmd, string, string) {
	in.runs++
	base := filepath.Join(in.logs, fmt.Sprintf("%02d-%s", in.runs, args[0]))
	cmd := exec.Command(kineticBin, in.args(args...)...)
	cmd.Env = append(os.Environ(), "KINETIC_ALGOD_TOKEN="+in.m.token)
	return cmd, base + ".stdout", base + ".stderr"
}

// run runs one kinetic command to its end with stdin and returns its
// stdout; the test fails when it fails.
func (in *instance) run(stdin string, args ...string) string {
	t := in.m.t
	t.Helper()
	out, err := in.runErr(stdin, args...)
	if err != nil {
		t.Fatalf("%s: kinetic %s: %v\n%s", in.name, strings.Join(args, " "), err, out)
	}
	return out
}

// runErr is run returning the command's error instead of failing.
func (in *instance) runErr(stdin string, args ...string) (string, error) {
	t := in.m.t
	t.Helper()
	p := in.start(stdin, args...)
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: kinetic %s did not end within 2 minutes\n%s", in.name, strings.Join(args, " "), p.output())
	}
	return p.stdout(), p.err
}

// process is a running kinetic command.
type process struct {
	in             *instance
	cmd            *exec.Cmd
	args           []string
	outPath, errPN string
	done           chan struct{}
	err            error
	once           sync.Once
}

// start starts a kinetic command of the instance. It is killed when the
// test ends, and its output is printed when the test failed.
func (in *instance) start(stdin string, args ...string) *process {
	t := in.m.t
	t.Helper()
	cmd, outPath, errPath := in.command(args...)
	stdout, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start kinetic %s: %v", in.name, strings.Join(args, " "), err)
	}
	p := &process{in: in, cmd: cmd, args: args, outPath: outPath, errPN: errPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s: kinetic %s:\n%s", in.name, strings.Join(args, " "), p.output())
		}
	})
	return p
}

// kill ends the process with SIGKILL, if it still runs, and waits for it.
func (p *process) kill() {
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
		}
		<-p.done
	})
}

// stop asks the process to end with SIGTERM, as a service manager or
// Ctrl-C would, and waits for it.
func (p *process) stop(limit time.Duration) error {
	p.in.m.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(limit)
}

// stdout returns what the process wrote to its stdout so far.
func (p *process) stdout() string {
	b, _ := os.ReadFile(p.outPath)
	return string(b)
}

// stderr returns what the process wrote to its stderr so far.
func (p *process) stderr() string {
	b, _ := os.ReadFile(p.errPN)
	return string(b)
}

// output is the process's stdout and stderr, for a failure message.
func (p *process) output() string {
	return "stdout:\n" + p.stdout() + "stderr:\n" + p.stderr()
}

// waitFor waits until the process's stdout matches re and returns the
// submatches; it fails the test when the process ends first or limit passes.
func (p *process) waitFor(re *regexp.Regexp, limit time.Duration) []string {
	t := p.in.m.t
	t.Helper()
	end := time.Now().Add(limit)
	for {
		if m := re.FindStringSubmatch(p.stdout()); m != nil {
			return m
		}
		select {
		case <-p.done:
			if m := re.FindStringSubmatch(p.stdout()); m != nil {
				return m
			}
			t.Fatalf("%s: kinetic %s ended (%v) before printing /%s/\n%s", p.in.name, strings.Join(p.args, " "), p.err, re, p.output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(end) {
			t.Fatalf("%s: kinetic %s did not print /%s/ within %s\n%s", p.in.name, strings.Join(p.args, " "), re, limit, p.output())
		}
	}
}

// wait waits for the process to end and returns its error.
func (p *process) wait(limit time.Duration) error {
	t := p.in.m.t
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(limit):
		t.Fatalf("%s: kinetic %s did not end within %s\n%s", p.in.name, strings.Join(p.args, " "), limit, p.output())
		return nil
	}
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// provider is a provider instance and its listen address.
type provider struct {
	*instance
	addr string
}

// endpoint is the provider's advertised URL.
func (p provider) endpoint() string { return "http://" + p.addr }

var availableRE = regexp.MustCompile(`marked available in the Registry`)

var servingRE = regexp.MustCompile(`provider (\w+) serving on http://(\S+) at (\d+) µALGO/h`)

// newProvider makes a funded provider instance on a free loopback port.
func (m *market) newProvider() provider {
	m.t.Helper()
	return provider{instance: m.newInstance("provider"), addr: freeAddr(m.t)}
}

// serve starts `kinetic provide --headless` (registering with register)
// and waits until it serves.
func (p provider) serve(register bool) *process {
	p.m.t.Helper()
	args := []string{"provide", "--headless", "--price", strconv.Itoa(testPrice), "--listen", p.addr, "--allow-image", "kinetic-test/"}
	if register {
		args = append(args, "--register", "--advertise", p.endpoint())
	}
	proc := p.start("", args...)
	got := proc.waitFor(servingRE, 90*time.Second)
	if got[1] != p.acct.Address.String() || got[2] != p.addr || got[3] != strconv.Itoa(testPrice) {
		p.m.t.Fatalf("provider serves %q, want %s on %s at %d", got[0], p.acct.Address, p.addr, testPrice)
	}
	return proc
}

// writeJob writes a job spec running script in the test image.
func writeJob(t *testing.T, script string) string {
	t.Helper()
	return writeJobMax(t, script, 20)
}

// writeJobMax is writeJob with the spec's maxSeconds.
func writeJobMax(t *testing.T, script string, maxSeconds int) string {
	t.Helper()
	var q bytes.Buffer
	q.WriteByte('"')
	for _, r := range script {
		if r == '"' || r == '\\' {
			q.WriteByte('\\')
		}
		q.WriteRune(r)
	}
	q.WriteByte('"')
	spec := `{"version":1,"image":"` + testkit.TestImageRef + `","command":["sh","-c",` + q.String() +
		`],"cpus":0.5,"memoryMB":64,"maxSeconds":` + strconv.Itoa(maxSeconds) + `,"network":"none","outputs":"/output"}`
	if _, err := compute.ParseSpec([]byte(spec)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "job.json")
	if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var paidRE = regexp.MustCompile(`job ([0-9a-f]{64}) paid \((\d+) µALGO locked in \S+, round (\d+)\) on (\S+)`)

// paidJob parses the job line `kinetic submit` prints once it paid.
func paidJob(t *testing.T, m []string) (jobid.ID, uint64, string) {
	t.Helper()
	id, err := jobid.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	locked, _ := strconv.ParseUint(m[2], 10, 64)
	return id, locked, m[4]
}

// balance is addr's balance without DevMode participation rewards.
func (m *market) balance(a types.Address) uint64 {
	m.t.Helper()
	info, err := m.chain.Algod().AccountInformation(a.String()).Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return info.Amount - info.Rewards
}

// round is the node's last round.
func (m *market) round() uint64 {
	m.t.Helper()
	st, err := m.chain.Algod().Status().Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return st.LastRound
}

// spent is what an account's own transactions cost it in rounds (from,
// to]: the fees and the payments it sent, read from the blocks.
type spent struct {
	fees, paid uint64
	txns       int
}

// spentBy reads the blocks after round from up to round to.
func (m *market) spentBy(a types.Address, from, to uint64) spent {
	m.t.Helper()
	var s spent
	for r := from + 1; r <= to; r++ {
		b, err := m.chain.Algod().Block(r).Do(m.ctx)
		if err != nil {
			m.t.Fatalf("block %d: %v", r, err)
		}
		for _, st := range b.Payset {
			tx := st.SignedTxn.Txn
			if tx.Sender != a {
				continue
			}
			s.txns++
			s.fees += uint64(tx.Fee)
			if tx.Type == types.PaymentTx {
				s.paid += uint64(tx.Amount)
			}
		}
	}
	return s
}

// reputation is the provider's Registry reputation record.
func (m *market) reputation(a types.Address) contracts.Reputation {
	m.t.Helper()
	r, err := m.chain.Reputation(m.ctx, a)
	if errors.Is(err, contracts.ErrNotFound) {
		return contracts.Reputation{}
	}
	if err != nil {
		m.t.Fatal(err)
	}
	return r
}

// boxGone fails the test unless the job's escrow box is deleted.
func (m *market) boxGone(id jobid.ID) {
	m.t.Helper()
	if j, err := m.chain.Job(m.ctx, id); !errors.Is(err, contracts.ErrNotFound) {
		m.t.Fatalf("escrow box of %s: %+v, %v; want it deleted", id, j, err)
	}
}

// removeJobContainers removes the containers of job id when the test
// ends (a provider killed mid-job leaves its container behind).
func (m *market) removeJobContainers(id jobid.ID) {
	cli := testkit.Docker(m.t)
	m.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, err := cli.ContainerList(ctx, container.ListOptions{All: true,
			Filters: filters.NewArgs(filters.Arg("label", compute.LabelJob+"="+id.String()))})
		if err != nil {
			return
		}
		for _, c := range list {
			_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		}
	})
}
