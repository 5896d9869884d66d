// Command helloworld is the smallest Fyne window: one label in a window the
// size of Kinetic's main window. scripts/startup-bench.sh starts it next to
// bin/kinetic, the same way, and quotes Kinetic's cold start and idle memory
// as ratios to it (issue 11's targets).
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("dev.kinetic.helloworld")
	w := a.NewWindow("Hello World")
	w.SetContent(widget.NewLabel("Hello, World!"))
	w.Resize(fyne.NewSize(1100, 720))
	w.ShowAndRun()
}
