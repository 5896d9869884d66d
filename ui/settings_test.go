package ui

import "testing"

func TestSettingsShowsConfiguration(t *testing.T) {
	tests := []struct {
		name string
		info SettingsInfo
		want []string
	}{{
		name: "localnet",
		info: SettingsInfo{DataDir: "/home/a/.config/kinetic", Network: "LocalNet", LogFile: "/home/a/.config/kinetic/kinetic.log"},
		want: []string{"/home/a/.config/kinetic", "LocalNet", "from the LocalNet manager", "/home/a/.config/kinetic/kinetic.log"},
	}, {
		name: "custom",
		info: SettingsInfo{DataDir: "/d", Network: "Custom", AlgodURL: "http://10.0.0.2:8080"},
		want: []string{"/d", "Custom", "http://10.0.0.2:8080", noValue},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewSettings(tt.info)
			renderScreen(t, o)
			assertShows(t, o, append([]string{TabSettings, settingsText}, tt.want...)...)
		})
	}
}
