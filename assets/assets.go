// Package assets holds the application's static files — the app icon,
// badge art and ARC-3 badge metadata — embedded into the binary with
// the go:embed directive, so that the app never depends on files next to the
// executable.
package assets

import _ "embed"

//go:embed icon.png
var iconPNG []byte

// IconPNG returns the 256×256 application icon (PNG). The returned slice is
// a copy; callers may keep or modify it.
func IconPNG() []byte {
	return append([]byte(nil), iconPNG...)
}
