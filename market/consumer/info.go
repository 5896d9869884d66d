package consumer

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// Online fetches p's GET /v1/info from its registered endpoint and checks
// that it is signed by p's account key, names p and offers p's registered
// price (or less); the error says which check failed.
func (c *Client) Online(ctx context.Context, p contracts.Provider) (provider.Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(p.Endpoint, "/")+"/v1/info", nil)
	if err != nil {
		return provider.Info{}, fmt.Errorf("consumer: info of %s: %w", p.Address, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return provider.Info{}, fmt.Errorf("consumer: info of %s: %w", p.Address, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return provider.Info{}, fmt.Errorf("consumer: info of %s: HTTP %d %v", p.Address, resp.StatusCode, err)
	}
	sig, err := base64.StdEncoding.DecodeString(resp.Header.Get(provider.HeaderInfoSignature))
	if err != nil || !sigframe.Verify(ed25519.PublicKey(p.Address[:]), provider.InfoDomain, body, sig) {
		return provider.Info{}, fmt.Errorf("consumer: info of %s is not signed by its registered key", p.Address)
	}
	var in provider.Info
	if err := json.Unmarshal(body, &in); err != nil {
		return provider.Info{}, fmt.Errorf("consumer: info of %s: %w", p.Address, err)
	}
	if in.Provider != p.Address.String() {
		return provider.Info{}, fmt.Errorf("consumer: info names %s, the Registry entry is %s", in.Provider, p.Address)
	}
	if in.PricePerHour > p.PricePerHour {
		return provider.Info{}, fmt.Errorf("consumer: %s asks %d/h, registered %d/h", p.Address, in.PricePerHour, p.PricePerHour)
	}
	return in, nil
}
