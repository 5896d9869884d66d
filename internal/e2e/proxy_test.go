package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// proxy is a TCP proxy in the test process between a consumer process and
// a provider process: every accepted connection is relayed to the
// provider's address. Plain connections are copied byte for byte
// (io.Copy each way), so that the test can cut the ones that carry an
// event stream as a dropped network link would; with a tamper function
// set, it reads each request and its answer instead (HTTP/1.1, one at a
// time, as Go's client sends them) and lets the function rewrite the
// answer's body.
type proxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	// tamper, when set, may rewrite the body of the answer to a GET of
	// path; it returns the new body and whether it changed it.
	tamper func(path string, body []byte) ([]byte, bool)

	mu       sync.Mutex
	links    map[net.Conn]*link // by the consumer's side of the connection
	opened   int                // event stream requests seen
	tampered int                // answers tamper changed
	wg       sync.WaitGroup
}

// link is one relayed connection: its provider side, and whether the
// consumer asked for an event stream on it.
type link struct {
	up     net.Conn
	stream bool
}

// eventsPath marks a request for a job's event stream.
var eventsPath = []byte("/events HTTP/1.1\r\n")

// newProxy listens on a free loopback port and relays to target
// (host:port) until the test ends, through tamper when it is not nil.
func newProxy(t *testing.T, target string, tamper func(path string, body []byte) ([]byte, bool)) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target, tamper: tamper, links: map[net.Conn]*link{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c, l := range p.links {
			c.Close()
			l.up.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// url is the proxy's endpoint, what the consumer is given as --provider.
func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.relay(c)
		}()
	}
}

// relay connects c to the target and copies both ways until either side
// closes (or the test cuts it).
func (p *proxy) relay(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.t.Logf("proxy: dial %s: %v", p.target, err)
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.links[c] = &link{up: up}
	p.mu.Unlock()
	tamper := p.tamper
	defer func() {
		p.mu.Lock()
		delete(p.links, c)
		p.mu.Unlock()
	}()
	if tamper != nil {
		p.relayHTTP(c, up, tamper)
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, up)
		c.Close()
		close(done)
	}()
	_, _ = io.Copy(up, &watcher{p: p, c: c})
	up.Close()
	<-done
}

// watcher reads the consumer's side of a connection and marks it as an
// event stream once it asks for one (a request head arrives in one read).
type watcher struct {
	p *proxy
	c net.Conn
}

func (w *watcher) Read(b []byte) (int, error) {
	n, err := w.c.Read(b)
	if n > 0 && bytes.Contains(b[:n], eventsPath) {
		w.p.mu.Lock()
		if l := w.p.links[w.c]; l != nil {
			l.stream = true
		}
		w.p.opened++
		w.p.mu.Unlock()
	}
	return n, err
}

// relayHTTP forwards one request at a time and its answer, the answer's
// body rewritten by tamper where it says so.
func (p *proxy) relayHTTP(c, up net.Conn, tamper func(string, []byte) ([]byte, bool)) {
	cr, ur := bufio.NewReader(c), bufio.NewReader(up)
	for {
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		if err := req.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(ur, req)
		if err != nil {
			return
		}
		if req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && !strings.HasSuffix(req.URL.Path, "/events") {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return
			}
			if nb, ok := tamper(req.URL.Path, body); ok {
				p.mu.Lock()
				p.tampered++
				p.mu.Unlock()
				body = nb
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			resp.TransferEncoding = nil
		}
		err = resp.Write(c)
		resp.Body.Close()
		if err != nil || resp.Close || req.Close {
			return
		}
	}
}

// cutStreams closes every connection that carries an event stream now and
// returns how many it closed.
func (p *proxy) cutStreams() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c, l := range p.links {
		if l.stream {
			c.Close()
			delete(p.links, c)
			n++
		}
	}
	return n
}

// counts are the event stream requests seen and the answers tampered.
func (p *proxy) counts() (opened, tampered int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opened, p.tampered
}
