package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIconPNGDecodes(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(IconPNG()))
	if err != nil {
		t.Fatalf("decode icon: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("icon is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
}

func TestIconPNGReturnsCopy(t *testing.T) {
	a := IconPNG()
	a[0] ^= 0xff
	if bytes.Equal(a, IconPNG()) {
		t.Fatal("IconPNG returned the embedded slice itself")
	}
}
