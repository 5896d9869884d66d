//go:build !unix

package testkit

func (r *Registry) resume() {}
