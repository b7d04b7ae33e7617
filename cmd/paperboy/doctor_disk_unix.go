//go:build linux || darwin || freebsd

package main

import "syscall"

// freeDisk returns the bytes available to this user in dir's file system.
func freeDisk(dir string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
