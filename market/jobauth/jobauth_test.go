package jobauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

type keySigner struct{ key ed25519.PrivateKey }

func (k keySigner) Address() types.Address {
	var a types.Address
	copy(a[:], k.key.Public().(ed25519.PublicKey))
	return a
}

func (k keySigner) SignMessage(domain string, msg []byte) ([]byte, error) {
	return sigframe.Sign(k.key, domain, msg), nil
}

func newKey(t *testing.T) keySigner {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keySigner{k}
}

func TestVerify(t *testing.T) {
	consumer, other := newKey(t), newKey(t)
	now := time.Unix(1_800_000_000, 0)
	id := jobid.ID{1, 2, 3}
	otherJob := jobid.ID{9}
	signed := func(s MessageSigner, method, target string, job jobid.ID, at time.Time) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		if err := Sign(r, s, job, at); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"consumer", func() *http.Request { return signed(consumer, "GET", "/v1/jobs/x/result", id, now) }, 200},
		{"no headers", func() *http.Request { return httptest.NewRequest("GET", "/v1/jobs/x/result", nil) }, 401},
		{"someone else", func() *http.Request { return signed(other, "GET", "/v1/jobs/x/result", id, now) }, 403},
		{"another job's signature", func() *http.Request { return signed(consumer, "GET", "/v1/jobs/x/result", otherJob, now) }, 401},
		{"stale", func() *http.Request {
			return signed(consumer, "GET", "/v1/jobs/x/result", id, now.Add(-61*time.Second))
		}, 401},
		{"future", func() *http.Request { return signed(consumer, "GET", "/v1/jobs/x/result", id, now.Add(61*time.Second)) }, 401},
		{"edge of window", func() *http.Request {
			return signed(consumer, "GET", "/v1/jobs/x/result", id, now.Add(-60*time.Second))
		}, 200},
		{"method changed", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/cancel", id, now)
			r.Method = "POST"
			return r
		}, 401},
		{"path changed", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/result", id, now)
			r.URL.Path = "/v1/jobs/x/proof"
			return r
		}, 401},
		{"query changed", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/events?a=1", id, now)
			r.URL.RawQuery = "a=2"
			return r
		}, 401},
		{"timestamp changed", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/result", id, now)
			r.Header.Set(HeaderTimestamp, "1800000001")
			return r
		}, 401},
		{"address swapped to consumer", func() *http.Request {
			r := signed(other, "GET", "/v1/jobs/x/result", id, now)
			r.Header.Set(HeaderAddress, consumer.Address().String())
			return r
		}, 401},
		{"nonce changed", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/result", id, now)
			r.Header.Set(HeaderNonce, "00000000000000000000000000000000")
			return r
		}, 401},
		{"garbage signature", func() *http.Request {
			r := signed(consumer, "GET", "/v1/jobs/x/result", id, now)
			r.Header.Set(HeaderSignature, "AAAA")
			return r
		}, 401},
		{"only a signature header", func() *http.Request {
			r := httptest.NewRequest("GET", "/v1/jobs/x/result", nil)
			r.Header.Set(HeaderSignature, "AAAA")
			return r
		}, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := NewVerifier(func() time.Time { return now }, 0)
			if got := Status(v.Verify(c.req(), id, consumer.Address())); got != c.status {
				t.Fatalf("status %d, want %d", got, c.status)
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	consumer := newKey(t)
	now := time.Unix(1_800_000_000, 0)
	id := jobid.ID{7}
	v := NewVerifier(func() time.Time { return now }, 0)
	r := httptest.NewRequest("GET", "/v1/jobs/x/proof", nil)
	if err := Sign(r, consumer, id, now); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(r, id, consumer.Address()); err != nil {
		t.Fatalf("first use: %v", err)
	}
	err := v.Verify(r, id, consumer.Address())
	if Status(err) != 401 {
		t.Fatalf("replay: status %d (%v), want 401", Status(err), err)
	}
	r2 := httptest.NewRequest("GET", "/v1/jobs/x/proof", nil)
	if err := Sign(r2, consumer, id, now); err != nil { // same second, fresh nonce
		t.Fatal(err)
	}
	if err := v.Verify(r2, id, consumer.Address()); err != nil {
		t.Fatalf("fresh signature after a replay: %v", err)
	}
}
