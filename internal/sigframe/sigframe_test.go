package sigframe

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

func TestSignVerifyDomainSeparated(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("hello")
	sig := Sign(priv, "proof", msg)
	if !Verify(pub, "proof", msg, sig) {
		t.Fatal("valid signature rejected")
	}
	if Verify(pub, "request", msg, sig) {
		t.Fatal("signature accepted in another domain")
	}
	if Verify(pub, "proof", []byte("hellO"), sig) {
		t.Fatal("signature accepted for another message")
	}
	if Verify(pub[:10], "proof", msg, sig) || Verify(pub, "proof", msg, sig[:5]) {
		t.Fatal("malformed key or signature accepted")
	}
	// "ab"+"\x00c" and "a"+"\x00bc" must frame differently.
	if bytes.Equal(Frame("ab", []byte("c")), Frame("a", []byte("bc"))) {
		t.Fatal("ambiguous framing")
	}
}
