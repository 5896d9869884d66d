//go:build windows

package nat

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isRefused reports a refused or reset connection (Winsock's codes).
func isRefused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, windows.WSAECONNRESET)
}

// isUnreachable reports that no route leads to the endpoint.
func isUnreachable(err error) bool {
	return errors.Is(err, windows.WSAEHOSTUNREACH) || errors.Is(err, windows.WSAENETUNREACH)
}
