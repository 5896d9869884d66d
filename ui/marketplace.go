package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// marketplaceText says what the Marketplace will list; nothing is listed yet.
const marketplaceText = "Providers registered on the Algorand chain will be listed here, " +
	"with their GPUs, price per hour, reputation and last heartbeat, " +
	"read straight from the Registry application on the node. " +
	"Discovery is not built yet, so nothing is listed."

// NewMarketplace builds the Marketplace screen.
func NewMarketplace() fyne.CanvasObject {
	return container.NewVBox(screen(TabMarketplace, marketplaceText))
}
