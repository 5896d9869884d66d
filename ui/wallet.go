package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// walletText says what the Wallet screen will show; no account exists yet.
const walletText = "Your Algorand accounts will appear here with their balances, " +
	"transaction history and spending budget. Keys stay in the OS keyring. " +
	"The wallet screen is not built yet."

// NewWallet builds the Wallet screen.
func NewWallet() fyne.CanvasObject { return container.NewVBox(screen(TabWallet, walletText)) }
