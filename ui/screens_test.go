package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// labelTexts collects the text of every label and card title laid out in o.
func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	for _, obj := range test.LaidOutObjects(o) {
		switch t := obj.(type) {
		case *widget.Label:
			out = append(out, t.Text)
		case *widget.Card:
			out = append(out, t.Title)
		}
	}
	return out
}

// assertShows fails unless a label in o shows each of want.
func assertShows(t *testing.T, o fyne.CanvasObject, want ...string) {
	t.Helper()
	got := labelTexts(o)
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no label shows %q; labels: %q", w, got)
		}
	}
}

// renderScreen shows o in a test window so that it is laid out.
func renderScreen(t *testing.T, o fyne.CanvasObject) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, o)
	w.Resize(fyne.NewSize(800, 500))
}
