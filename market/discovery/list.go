package discovery

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// Mode chooses how List reads the Registry's boxes.
type Mode int

// Listing modes.
const (
	// ModeAuto pages with include=values and falls back to per-box reads
	// only when the node is detected not to support it (ErrNoValuePaging).
	ModeAuto Mode = iota
	// ModePaged only pages with include=values; a node without it fails.
	ModePaged
	// ModePerBox lists the names and reads every box concurrently.
	ModePerBox
)

// DefaultPageSize is the limit of one paged box listing request.
const DefaultPageSize = 1000

// DefaultConcurrency bounds the concurrent per-box reads of the fallback.
const DefaultConcurrency = 16

// ErrNoValuePaging reports a node that does not page box values: it
// answered 400 with a message naming an unknown parameter or the include
// or next parameter, or it ignored include=values and returned names
// without values (or without a round).
var ErrNoValuePaging = errors.New("discovery: node does not page box values")

// Listing is the Registry's providers as read from one node.
type Listing struct {
	// Genesis is the network's genesis hash, base64.
	Genesis string
	// Registry is the Registry app id read.
	Registry uint64
	// Round is the round the boxes were read at. A paged listing is pinned
	// to it; the per-box fallback reports the highest round of its reads.
	Round uint64
	// Paged is true when the paged include=values listing was used.
	Paged bool
	// Providers are sorted by address, each with its reputation record.
	Providers []contracts.Provider
	// Skipped counts the provider and reputation boxes that did not decode.
	Skipped int
}

// rawBox is one box name and value.
type rawBox struct{ name, value []byte }

// ErrRoundGone reports that the node no longer held the pinned round by
// the time a later page was asked for (algod keeps only a few rounds of
// box state), on every one of MaxPinnedAttempts.
var ErrRoundGone = errors.New("discovery: pinned round no longer available")

// MaxPinnedAttempts is how many times a pinned listing is started again
// from its first page when the node drops its round mid-listing.
const MaxPinnedAttempts = 8

// ListPaged reads every box of app whose name starts with one of prefixes
// (an empty prefix: all) with include=values and limit pageSize, every
// page of every prefix pinned with round= to the round of the first page,
// which is returned. When the node drops that round mid-listing the whole
// listing starts again, at most MaxPinnedAttempts times. It is also the
// raw listing the benchmark compares discovery with. A node without value
// paging fails with ErrNoValuePaging.
func ListPaged(ctx context.Context, c *algod.Client, app uint64, prefixes [][]byte, pageSize uint64) (boxes [][2][]byte, round uint64, err error) {
	raw, round, err := listPinned(ctx, c, app, prefixes, pageSize)
	for _, b := range raw {
		boxes = append(boxes, [2][]byte{b.name, b.value})
	}
	return boxes, round, err
}

func listPinned(ctx context.Context, c *algod.Client, app uint64, prefixes [][]byte, pageSize uint64) ([]rawBox, uint64, error) {
	var err error
	for range MaxPinnedAttempts {
		var out []rawBox
		var round uint64
		for _, p := range prefixes {
			var page []rawBox
			page, round, err = listPaged(ctx, c, app, p, pageSize, round)
			if err != nil {
				break
			}
			out = append(out, page...)
		}
		if err == nil {
			return out, round, nil
		}
		if !errors.Is(err, ErrRoundGone) {
			return nil, 0, err
		}
	}
	return nil, 0, err
}

func listPaged(ctx context.Context, c *algod.Client, app uint64, prefix []byte, pageSize, round uint64) ([]rawBox, uint64, error) {
	var out []rawBox
	next := ""
	for {
		q := c.GetApplicationBoxes(app).Include([]string{"values"}).Limit(pageSize)
		if len(prefix) > 0 {
			q = q.Prefix("b64:" + base64.StdEncoding.EncodeToString(prefix))
		}
		if round != 0 {
			q = q.Round(round)
		}
		if next != "" {
			q = q.Next(next)
		}
		resp, err := q.Do(ctx)
		if err != nil {
			if unsupported(err) {
				return nil, 0, fmt.Errorf("%w: %w", ErrNoValuePaging, err)
			}
			if roundGone(err) {
				return nil, 0, fmt.Errorf("%w: round %d: %w", ErrRoundGone, round, err)
			}
			return nil, 0, fmt.Errorf("discovery: list boxes of app %d: %w", app, err)
		}
		if round == 0 {
			round = resp.Round
		}
		for _, b := range resp.Boxes {
			if b.Value == nil && len(b.Name) > 0 {
				return nil, 0, fmt.Errorf("%w: names without values", ErrNoValuePaging)
			}
			out = append(out, rawBox{b.Name, b.Value})
		}
		if len(resp.Boxes) > 0 && resp.Round == 0 {
			return nil, 0, fmt.Errorf("%w: no round in the answer", ErrNoValuePaging)
		}
		if resp.NextToken == "" {
			return out, round, nil
		}
		next = resp.NextToken
	}
}

// unsupported reports a 400 that names an unknown or paging parameter.
func unsupported(err error) bool {
	var br common.BadRequest
	if !errors.As(err, &br) {
		return false
	}
	m := strings.ToLower(br.Message)
	for _, p := range []string{"unknown parameter", "include", "next"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// roundGone reports algod's 400 for a round outside its lookback.
func roundGone(err error) bool {
	var br common.BadRequest
	return errors.As(err, &br) && strings.Contains(br.Message, "no longer available")
}

// listPerBox lists the box names of app and reads those starting with one
// of prefixes, at most conc at a time.
func listPerBox(ctx context.Context, c *algod.Client, app uint64, prefixes [][]byte, conc int) ([]rawBox, uint64, error) {
	names, err := c.GetApplicationBoxes(app).Do(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("discovery: list box names of app %d: %w", app, err)
	}
	var want [][]byte
	for _, b := range names.Boxes {
		for _, p := range prefixes {
			if bytes.HasPrefix(b.Name, p) {
				want = append(want, b.Name)
				break
			}
		}
	}
	out := make([]rawBox, len(want))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		round    uint64
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan int)
	for range max(conc, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				box, err := c.GetApplicationBoxByName(app, want[i]).Do(ctx)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("discovery: read box %q of app %d: %w", want[i], app, err)
					cancel()
				}
				round = max(round, box.Round)
				mu.Unlock()
				out[i] = rawBox{want[i], box.Value}
			}
		}()
	}
	for i := range want {
		select {
		case work <- i:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("discovery: read boxes of app %d: %w", app, err)
	}
	return out, round, nil
}

// decodeBoxes turns provider ("p" ‖ address) and reputation ("r" ‖
// address) boxes into providers sorted by address. Boxes that do not
// decode are skipped and counted in skipped.
func decodeBoxes(boxes []rawBox) (provs []contracts.Provider, skipped int) {
	reps := make(map[types.Address]contracts.Reputation, len(boxes)/2)
	for _, b := range boxes {
		if len(b.name) != 33 {
			continue
		}
		var addr types.Address
		copy(addr[:], b.name[1:])
		switch b.name[0] {
		case 'p':
			p, err := contracts.DecodeProvider(addr, b.value)
			if err != nil {
				skipped++
				continue
			}
			provs = append(provs, p)
		case 'r':
			r, err := contracts.DecodeReputation(b.value)
			if err != nil {
				skipped++
				continue
			}
			reps[addr] = r
		}
	}
	for i := range provs {
		provs[i].Reputation = reps[provs[i].Address]
	}
	sort.Slice(provs, func(i, j int) bool { return bytes.Compare(provs[i].Address[:], provs[j].Address[:]) < 0 })
	return provs, skipped
}
