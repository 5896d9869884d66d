package nat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Doer sends an HTTP request; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Identity checks that a /v1/info body is this provider's (for example,
// that it is signed by the provider's account key); it returns why not.
type Identity func(ctx context.Context, body []byte) error

// Reason classifies why the endpoint did not answer as this provider.
type Reason int

const (
	// ReasonTimeout: nothing answered in time.
	ReasonTimeout Reason = iota + 1
	// ReasonRefused: the connection was refused or reset.
	ReasonRefused
	// ReasonUnreachable: no route to the endpoint, or its name did not resolve.
	ReasonUnreachable
	// ReasonStatus: something answered, but not 200 OK.
	ReasonStatus
	// ReasonWrongIdentity: /v1/info answered, but not as this provider.
	ReasonWrongIdentity
	// ReasonOther: any other failure.
	ReasonOther
)

// ReachError says plainly why GET /v1/info did not answer on an endpoint.
type ReachError struct {
	// Reason classifies the failure.
	Reason Reason
	// URL is the URL asked.
	URL string
	// Status is the HTTP status, when one came back.
	Status int
	// Err is the underlying error.
	Err error
}

// Error says in words what happened and what it usually means.
func (e *ReachError) Error() string {
	switch e.Reason {
	case ReasonTimeout:
		return fmt.Sprintf("%s did not answer in time: the router may not forward the port, or a firewall drops it (%v)", e.URL, e.Err)
	case ReasonRefused:
		return fmt.Sprintf("%s refused the connection: nothing listens there, or the router does not forward the port (%v)", e.URL, e.Err)
	case ReasonUnreachable:
		return fmt.Sprintf("%s is unreachable: %v", e.URL, e.Err)
	case ReasonStatus:
		return fmt.Sprintf("%s answered %d instead of 200: something other than this provider answers on that endpoint (%v)", e.URL, e.Status, e.Err)
	case ReasonWrongIdentity:
		return fmt.Sprintf("%s answered, but not as this provider: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.URL, e.Err)
}

// Unwrap returns the underlying error.
func (e *ReachError) Unwrap() error { return e.Err }

// maxInfoBody bounds the /v1/info body read by CheckInfo.
const maxInfoBody = 1 << 20

// CheckInfo asks endpoint (a base URL such as http://203.0.113.7:8402) for
// GET /v1/info through client, within timeout (0 means 10 seconds), and
// passes the body to identity. It returns the body, or a *ReachError.
func CheckInfo(ctx context.Context, client Doer, endpoint string, timeout time.Duration, identity Identity) ([]byte, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/") + "/v1/info")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("nat: endpoint %q is not an http(s) base URL", endpoint)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("nat: building the /v1/info request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &ReachError{Reason: transportReason(ctx, err), URL: u.String(), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInfoBody+1))
	if err != nil {
		return nil, &ReachError{Reason: transportReason(ctx, err), URL: u.String(), Status: resp.StatusCode, Err: fmt.Errorf("reading the body: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &ReachError{Reason: ReasonStatus, URL: u.String(), Status: resp.StatusCode,
			Err: fmt.Errorf("body %q", truncate(body, 120))}
	}
	if len(body) > maxInfoBody {
		return nil, &ReachError{Reason: ReasonWrongIdentity, URL: u.String(), Status: resp.StatusCode,
			Err: fmt.Errorf("the body is over %d bytes", maxInfoBody)}
	}
	if identity != nil {
		if err := identity(ctx, body); err != nil {
			return nil, &ReachError{Reason: ReasonWrongIdentity, URL: u.String(), Status: resp.StatusCode, Err: err}
		}
	}
	return body, nil
}

func transportReason(ctx context.Context, err error) Reason {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout()):
		return ReasonTimeout
	case isRefused(err):
		return ReasonRefused
	case isUnreachable(err) || errors.As(err, &dns):
		return ReasonUnreachable
	}
	return ReasonOther
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
