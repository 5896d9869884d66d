package discovery_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// deployment is a fresh Kinetic deployment on the LocalNet.
type deployment struct {
	ctx   context.Context
	algod *algod.Client
	chain *contracts.Client
	apps  contracts.AppIDs
}

func deploy(t testing.TB, limit time.Duration) deployment {
	t.Helper()
	ctx := testkit.Context(t, limit)
	c := testkit.Algod(t)
	creator := testkit.FundedAccount(t, 20_000_000)
	signer := transaction.BasicAccountTransactionSigner{Account: creator}
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.Address, signer, store, contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	cc, err := contracts.NewClient(c, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	return deployment{ctx: ctx, algod: c, chain: cc, apps: d.Apps}
}

// register funds a fresh account and registers it with info.
func (d deployment) register(t testing.TB, acct crypto.Account, info contracts.ProviderInfo) contracts.Provider {
	t.Helper()
	testkit.Fund(t, acct.Address.String(), 1_000_000)
	if _, err := d.chain.Register(d.ctx, acct.Address, transaction.BasicAccountTransactionSigner{Account: acct}, info); err != nil {
		t.Fatalf("register %s: %v", info.GPUModel, err)
	}
	p, err := d.chain.Provider(d.ctx, acct.Address)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// genesisB64 is the LocalNet's genesis hash, base64.
func (d deployment) genesisB64(t testing.TB) string {
	t.Helper()
	v, err := d.algod.Versions().Do(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(v.GenesisHash)
}

// infoServer serves GET /v1/info naming addr at price on network, signed
// by key (which a forged document makes another account's).
func infoServer(t testing.TB, addr types.Address, key crypto.Account, network string, price uint64) *httptest.Server {
	t.Helper()
	body, err := json.Marshal(provider.Info{Provider: addr.String(), Version: "test", Network: network,
		PricePerHour: price, GPUs: []provider.GPU{}, Time: time.Unix(1, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	sig := sigframe.Sign(key.PrivateKey, provider.InfoDomain, body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/info" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set(provider.HeaderInfoSignature, base64.StdEncoding.EncodeToString(sig))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}
