package main

import "strings"

// glibc reads its malloc settings (GLIBC_TUNABLES) only when a process starts, so
// `paperboy import` starts itself again with these when the environment does not set
// them (reexecTuned, malloc_linux.go):
//   - arena_max=1: every thread allocates from glibc's main arena, SQLite's writer and the
//     side index's worker included (by default each thread gets an arena of its own);
//   - hugetlb=1: glibc asks for transparent huge pages (madvise) where that arena grows.
//     Where THP is in "madvise" mode (the default of Debian and Ubuntu) this is what gives
//     the import huge pages at all.
//
// FTS5's in-memory term hash is tens of MB read at random for every token, and on 4 KB
// pages most of those reads also miss the TLB. With both settings sqlite3Fts5HashWrite
// took 15% fewer CPU samples, and the import was faster in 14 of 18 pairs, typically by
// 3–5% (BENCHMARKS.md, session 10); peak RSS at 1M lines stayed at 254–257 MB. Elsewhere (musl, a static
// binary, THP "never") glibc ignores or cannot act on them, and nothing changes.
const mallocTunables = "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1"

// mallocTunedEnv marks a process that reexecTuned started, so that it never starts itself
// again (should the dynamic loader drop GLIBC_TUNABLES).
const mallocTunedEnv = "PAPERBOY_MALLOC_TUNED"

// mallocOptOutEnv set to "off" keeps the import in the process as started.
const mallocOptOutEnv = "PAPERBOY_MALLOC_TUNING"

// tunedEnviron returns the environment to start an import again with, and whether to:
// only for `import`, not when opted out or already restarted, and not when the user's
// GLIBC_TUNABLES sets either malloc setting itself (theirs is kept as it is). Other
// tunables the user set are kept, ahead of these.
func tunedEnviron(args, environ []string) ([]string, bool) {
	if len(args) == 0 || args[0] != "import" {
		return nil, false
	}
	var tunables string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case mallocTunedEnv:
			return nil, false
		case mallocOptOutEnv:
			if v == "off" {
				return nil, false
			}
		case "GLIBC_TUNABLES":
			tunables = v
		}
	}
	if strings.Contains(tunables, "glibc.malloc.hugetlb") || strings.Contains(tunables, "glibc.malloc.arena_max") {
		return nil, false
	}
	if tunables != "" {
		tunables += ":"
	}
	tunables += mallocTunables
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
			env = append(env, kv)
		}
	}
	return append(env, "GLIBC_TUNABLES="+tunables, mallocTunedEnv+"=1"), true
}
