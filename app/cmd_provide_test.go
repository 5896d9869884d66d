package app

import (
	"testing"

	"github.com/kinetic-compute/kinetic/market/provider"
)

func TestParseProvide(t *testing.T) {
	r, _, _ := testRunner(t)
	cases := []struct {
		args    []string
		ok      bool
		listen  string
		price   uint64
		allowed int
	}{
		{[]string{"--headless"}, true, provider.DefaultListen, 0, 0},
		{[]string{"--headless", "--listen", "0.0.0.0:9000", "--price", "7200", "--allow-image", "a/,b/"}, true, "0.0.0.0:9000", 7200, 2},
		{[]string{"--self-test", "--image", "busybox"}, true, provider.DefaultListen, 0, 0},
		{nil, false, "", 0, 0}, // neither mode
		{[]string{"--headless", "--self-test"}, false, "", 0, 0},                           // both
		{[]string{"--headless", "extra"}, false, "", 0, 0},                                 // stray argument
		{[]string{"--headless", "--price", "-1"}, false, "", 0, 0},                         // not a number
		{[]string{"--headless", "--register", "--price", "9"}, false, "", 0, 0},            // register without --advertise
		{[]string{"--headless", "--register", "--advertise", "http://x"}, false, "", 0, 0}, // register without a price
		{[]string{"--headless", "--heartbeat", "1s"}, false, "", 0, 0},                     // heartbeat too often
		{[]string{"--headless", "--register", "--advertise", "http://x", "--price", "9"}, true, provider.DefaultListen, 9, 0},
	}
	for _, c := range cases {
		o, err := r.parseProvide(c.args)
		if (err == nil) != c.ok {
			t.Errorf("%v: err %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		if c.ok && (o.listen != c.listen || o.price != c.price || len(o.allow) != c.allowed) {
			t.Errorf("%v: parsed %+v", c.args, o)
		}
	}
}
