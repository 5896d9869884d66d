package contracts_test

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// site is one rejection site: the n-th line (1-based, in source order)
// tagged with code in an app's TEAL source.
type site struct {
	app  string // "Registry", "Escrow" or "BadgeMinter"
	code contracts.ErrorCode
	n    int
}

func (s site) String() string { return fmt.Sprintf("%s %s #%d", s.app, s.code, s.n) }

func at(app string, code contracts.ErrorCode, n int) site { return site{app: app, code: code, n: n} }

var tagRe = regexp.MustCompile(`^\s*[^/\s].*//\s*(ERR:[A-Z0-9_]+)`)

// taggedSites parses an app's TEAL source: every instruction line carrying
// an "// ERR:CODE" tag, as site → 0-based line.
func taggedSites(t testing.TB, app string) map[site]int {
	t.Helper()
	var src string
	for _, d := range contracts.Apps() {
		if d.Name == app {
			b, err := contracts.Source(d.Source)
			if err != nil {
				t.Fatal(err)
			}
			src = string(b)
		}
	}
	if src == "" {
		t.Fatalf("no app %s", app)
	}
	out := map[site]int{}
	count := map[contracts.ErrorCode]int{}
	for i, line := range strings.Split(src, "\n") {
		m := tagRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		code := contracts.ErrorCode(m[1])
		count[code]++
		out[site{app: app, code: code, n: count[code]}] = i
	}
	return out
}

var appNames = []string{"Registry", "Escrow", "BadgeMinter"}

// pcLines compiles each committed TEAL source with the LocalNet algod,
// checks that the result is the committed bytecode, and keeps its
// pc → source line map.
type pcLines struct {
	once  sync.Once
	lines map[string]map[int]int
	err   error
}

func (p *pcLines) get(t testing.TB) map[string]map[int]int {
	t.Helper()
	p.once.Do(func() {
		comp := contracts.AlgodCompiler{Client: testkit.Algod(t)}
		p.lines = map[string]map[int]int{}
		for _, d := range contracts.Apps() {
			src, err := contracts.Source(d.Source)
			if err != nil {
				p.err = err
				return
			}
			prog, lines, err := comp.Compile(testkit.Context(t, time.Minute), src)
			if err != nil {
				p.err = err
				return
			}
			spec, err := contracts.LoadSpec(d.Name)
			if err != nil {
				p.err = err
				return
			}
			approval, _, err := spec.Programs()
			if err != nil {
				p.err = err
				return
			}
			if !bytes.Equal(prog, approval) {
				p.err = fmt.Errorf("%s: source does not compile to the committed bytecode (run go generate ./contracts)", d.Name)
				return
			}
			p.lines[d.Name] = lines
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.lines
}

var failRe = regexp.MustCompile(`app=(\d+), pc=(\d+)`)

// failedSite names the site a rejection failed at: the innermost
// "app=N, pc=M" of algod's error, the app named by ids (an id it does not
// know is the app being created, creating), the pc mapped to its line.
func failedSite(t testing.TB, err error, ids map[uint64]string, creating string, lines map[string]map[int]int, tagged map[string]map[int]site) (site, int, bool) {
	t.Helper()
	m := failRe.FindStringSubmatch(err.Error())
	if m == nil {
		return site{}, 0, false
	}
	id, _ := strconv.ParseUint(m[1], 10, 64)
	pc, _ := strconv.Atoi(m[2])
	app, ok := ids[id]
	if !ok {
		// Not an app of the deployment nor one the test named: the app
		// being created (the creation's own id).
		app, ok = creating, creating != ""
	}
	if !ok {
		return site{}, pc, false
	}
	line, ok := lines[app][pc]
	if !ok {
		return site{}, pc, false
	}
	s, ok := tagged[app][line]
	return s, pc, ok
}

// siteIndex inverts taggedSites for every app: app → line → site.
func siteIndex(t testing.TB) (map[string]map[int]site, map[site]int) {
	t.Helper()
	byLine := map[string]map[int]site{}
	all := map[site]int{}
	for _, app := range appNames {
		byLine[app] = map[int]site{}
		for s, line := range taggedSites(t, app) {
			byLine[app][line] = s
			all[s] = line
		}
	}
	return byLine, all
}

// TestEveryTaggedSiteHasACase reads the TEAL sources and fails when a
// tagged rejection site has no case in TestRejections, or a case names a
// site that does not exist; it prints the coverage per program.
func TestEveryTaggedSiteHasACase(t *testing.T) {
	_, all := siteIndex(t)
	declared := map[site]string{}
	for _, c := range allRejections() {
		if _, ok := all[c.at]; !ok {
			t.Errorf("case %q names %s, which is not a tagged site", c.name, c.at)
		}
		if prev, dup := declared[c.at]; dup {
			t.Errorf("cases %q and %q both name %s", prev, c.name, c.at)
		}
		declared[c.at] = c.name
	}
	var missing []string
	for _, app := range appNames {
		n, reached := 0, 0
		for s := range all {
			if s.app != app {
				continue
			}
			n++
			if _, ok := declared[s]; ok {
				reached++
			} else {
				missing = append(missing, s.String())
			}
		}
		t.Logf("%-11s rejection sites with a case: %d / %d tagged", app, reached, n)
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no case for %s", m)
	}
}
