//go:build !linux

package main

// reexecTuned does nothing outside Linux: GLIBC_TUNABLES is glibc's.
func reexecTuned() {}
