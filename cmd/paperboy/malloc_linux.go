package main

import (
	"os"
	"syscall"
)

// reexecTuned starts the program again, in place (same process, same open files; nothing
// has been read yet), with glibc's malloc tuned for an import: see mallocTunables. It
// returns when it does not (not an import, opted out, already set) or cannot (exec
// failed): the import then runs as started.
func reexecTuned() {
	env, ok := tunedEnviron(os.Args[1:], os.Environ())
	if !ok {
		return
	}
	// /proc/self/exe is the running binary even if its file was replaced since.
	_ = syscall.Exec("/proc/self/exe", os.Args, env)
}
