package provider_test

import (
	"bytes"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"net/http"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestLimits: a body over MaxBodyBytes answers 413, requests past a
// client's burst answer 429, and a full queue answers 503 before any offer.
func TestLimits(t *testing.T) {
	m := newMarketRun(t, provider.Config{MaxBodyBytes: 1024, RequestsPerSecond: 0.001, Burst: 4, QueueLimit: 1}, false)
	big := bytes.NewReader([]byte(`{"consumer":"` + strings.Repeat("A", 2000) + `"}`))
	resp, err := http.Post(m.url+"/v1/jobs", "application/json", big)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d, want 413", resp.StatusCode)
	}
	// One job paid and never started fills the queue of one.
	if _, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo q > /output/q"), consumer.Terms{}); err != nil {
		t.Fatalf("submit: %v", err)
	}
	resp, body := m.post(m.spec("echo r > /output/r"), "")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("PAYMENT-REQUIRED") != "" {
		t.Fatalf("full queue: %d %s, want 503 without an offer", resp.StatusCode, body)
	}
	// The burst of 4 is spent: the 413, the offer, the payment and the 503.
	resp, err = http.Get(m.url + "/v1/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("past the burst: %d, want 429 with Retry-After", resp.StatusCode)
	}
}

// TestBlocklistedConsumer: a blocklisted consumer gets 403 and no offer.
func TestBlocklistedConsumer(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	blocked := m.cfg
	blocked.Blocklist = map[types.Address]bool{m.cons.Address(): true}
	m.cfg = blocked
	m.start(false)
	resp, body := m.post(m.spec("echo b"), "")
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("PAYMENT-REQUIRED") != "" {
		t.Fatalf("blocklisted consumer: %d %s, want 403 without an offer", resp.StatusCode, body)
	}
}
