package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// openRegistry connects to the configured node and returns the Registry
// app id recorded for its network; unlike openMarket it needs no wallet.
func openRegistry(ctx context.Context, cfg Config) (*algod.Client, uint64, error) {
	url, token, err := cfg.endpoint(localnet.New(cfg.LocalNetDir, io.Discard).Endpoint)()
	if err != nil {
		return nil, 0, err
	}
	c, err := algod.MakeClient(url, token)
	if err != nil {
		return nil, 0, fmt.Errorf("algod client for %s: %w", url, err)
	}
	v, err := c.Versions().Do(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("node %s does not answer: %w", url, err)
	}
	dep, ok, err := deploymentStore(cfg).Load(base64.StdEncoding.EncodeToString(v.GenesisHash))
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, fmt.Errorf("no Kinetic contracts recorded for network %s (on LocalNet run 'kinetic localnet up')", v.GenesisID)
	}
	return c, dep.Apps.Registry, nil
}

// editBlocklist runs --block, --unblock and --blocklist.
func (r runner) editBlocklist(db *bbolt.DB, o providersOptions) error {
	for _, a := range []struct {
		addr  string
		block bool
	}{{o.block, true}, {o.unblock, false}} {
		if a.addr == "" {
			continue
		}
		addr, err := types.DecodeAddress(a.addr)
		if err != nil {
			return fmt.Errorf("providers: %q is not an Algorand address: %w", a.addr, err)
		}
		if a.block {
			err = discovery.Block(db, addr, o.reason)
		} else {
			err = discovery.Unblock(db, addr)
		}
		if err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	}
	list, err := discovery.Blocklist(db)
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	fmt.Fprintf(r.stdout, "%d blocked\n", len(list))
	for _, e := range list {
		fmt.Fprintf(r.stdout, "%s  %s\n", e.Address, e.Reason)
	}
	return nil
}

// checkInfo fetches endpoint's GET /v1/info and checks its signature by
// addr (the provide command's reachability check).
func checkInfo(ctx context.Context, endpoint, addr string) error {
	a, err := types.DecodeAddress(addr)
	if err != nil {
		return err
	}
	var last error
	for range 20 { // the listener may still be starting
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/v1/info", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		sig, _ := base64.StdEncoding.DecodeString(resp.Header.Get(provider.HeaderInfoSignature))
		if resp.StatusCode != http.StatusOK || !sigframe.Verify(ed25519.PublicKey(a[:]), provider.InfoDomain, body, sig) {
			return fmt.Errorf("GET /v1/info: HTTP %d, signature valid: false", resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("GET /v1/info on %s: %w (is the port free and reachable?)", endpoint, last)
}
