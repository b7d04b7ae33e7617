//go:build !(linux || darwin || freebsd)

package main

// freeDisk is unknown on this system.
func freeDisk(string) (uint64, bool) { return 0, false }
