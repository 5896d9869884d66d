package app

import (
	"fyne.io/fyne/v2"

	"github.com/kinetic-compute/kinetic/assets"
)

// Application identity; FyneApp.toml at the repository root says the same
// (a test keeps them equal), and `fyne package` reads it from there.
const (
	AppID   = "io.kinetic.app"
	AppName = "Kinetic"
	Version = "0.1.0"
	Build   = 1
)

// iconResource returns the embedded application icon.
func iconResource() fyne.Resource {
	return fyne.NewStaticResource("icon.png", assets.IconPNG())
}

// metadata describes the app to Fyne. A plain `go build` binary does not
// carry FyneApp.toml, so the app sets its metadata itself, including the
// fyneDo migration (every UI update from a goroutine goes through fyne.Do).
func metadata() fyne.AppMetadata {
	return fyne.AppMetadata{
		ID:         AppID,
		Name:       AppName,
		Version:    Version,
		Build:      Build,
		Icon:       iconResource(),
		Migrations: map[string]bool{"fyneDo": true},
	}
}
