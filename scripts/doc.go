// Package scripts holds the shell scripts that set up, wrap and check the
// build (deps.sh, dockerd.sh, with-keyring.sh, fuzz.sh) and the Go tests
// that run them as `make test` does. It has no code of its own.
package scripts
