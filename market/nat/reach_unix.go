//go:build !windows

package nat

import (
	"errors"
	"syscall"
)

// isRefused reports a refused or reset connection.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// isUnreachable reports that no route leads to the endpoint.
func isUnreachable(err error) bool {
	return errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}
