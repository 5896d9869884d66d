package app

import "testing"

func TestParseProviders(t *testing.T) {
	r, _, _ := testRunner(t)
	f, cached, err := r.parseProviders([]string{"--gpu", "4090", "--min-vram", "24000", "--max-price", "5000", "--min-jobs", "3", "--cached"})
	if err != nil {
		t.Fatal(err)
	}
	if f.GPUModel != "4090" || f.MinVRAMMB != 24000 || f.MaxPricePerHour != 5000 || f.MinCompleted != 3 || !cached {
		t.Fatalf("parsed %+v cached=%v", f, cached)
	}
	if _, _, err := r.parseProviders([]string{"stray"}); err == nil {
		t.Error("stray argument accepted")
	}
}
