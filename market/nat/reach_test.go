package nat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// providerIs accepts a /v1/info body that is exactly {"provider":"<want>"}.
func providerIs(want string) Identity {
	return func(_ context.Context, body []byte) error {
		if got := strings.TrimSpace(string(body)); got != fmt.Sprintf(`{"provider":%q}`, want) {
			return fmt.Errorf("the body is %s, not provider %s's", got, want)
		}
		return nil
	}
}

func infoServer(t *testing.T, provider string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/info", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "{\"provider\":%q}\n", provider)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckInfoAnswers(t *testing.T) {
	srv := infoServer(t, "P1")
	body, err := CheckInfo(context.Background(), srv.Client(), srv.URL+"/", time.Second, providerIs("P1"))
	if err != nil || strings.TrimSpace(string(body)) != `{"provider":"P1"}` {
		t.Fatalf("CheckInfo = %q, %v", body, err)
	}
}

func TestCheckInfoWrongIdentity(t *testing.T) {
	srv := infoServer(t, "P2")
	_, err := CheckInfo(context.Background(), srv.Client(), srv.URL, time.Second, providerIs("P1"))
	want := srv.URL + `/v1/info answered, but not as this provider: the body is {"provider":"P2"}, not provider P1's`
	var re *ReachError
	if !errors.As(err, &re) || re.Reason != ReasonWrongIdentity || re.Status != 200 || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestCheckInfoStatus(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := CheckInfo(context.Background(), srv.Client(), srv.URL, time.Second, providerIs("P1"))
	want := srv.URL + `/v1/info answered 404 instead of 200: something other than this provider answers on that endpoint (body "404 page not found\n")`
	var re *ReachError
	if !errors.As(err, &re) || re.Reason != ReasonStatus || re.Status != 404 || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestCheckInfoRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens on addr now
	_, err = CheckInfo(context.Background(), &http.Client{}, "http://"+addr, time.Second, nil)
	var re *ReachError
	if !errors.As(err, &re) || re.Reason != ReasonRefused ||
		!strings.HasPrefix(err.Error(), "http://"+addr+"/v1/info refused the connection: nothing listens there, or the router does not forward the port (") {
		t.Fatalf("err = %v", err)
	}
}

func TestCheckInfoTimeout(t *testing.T) {
	// A listener that accepts and never answers, like a port whose
	// forwarding goes nowhere.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for len(conns) > 0 {
			(<-conns).Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	start := time.Now()
	_, err = CheckInfo(context.Background(), &http.Client{}, "http://"+ln.Addr().String(), 300*time.Millisecond, nil)
	var re *ReachError
	if !errors.As(err, &re) || re.Reason != ReasonTimeout ||
		!strings.HasPrefix(err.Error(), "http://"+ln.Addr().String()+"/v1/info did not answer in time: the router may not forward the port, or a firewall drops it (") {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s with a 300ms timeout", took)
	}
}

func TestCheckInfoRejectsANonHTTPEndpoint(t *testing.T) {
	_, err := CheckInfo(context.Background(), &http.Client{}, "8.8.4.4:8402", time.Second, nil)
	if err == nil || err.Error() != `nat: endpoint "8.8.4.4:8402" is not an http(s) base URL` {
		t.Fatalf("err = %v", err)
	}
}
