package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestTunedEnviron(t *testing.T) {
	tuned := "GLIBC_TUNABLES=" + mallocTunables
	for _, tc := range []struct {
		name    string
		args    []string
		environ []string
		want    []string // nil: no restart
	}{
		{"import", []string{"import", "x.jsonl"}, []string{"HOME=/h"}, []string{"HOME=/h", tuned, mallocTunedEnv + "=1"}},
		{"the user's other tunables stay first", []string{"import", "-"}, []string{"GLIBC_TUNABLES=glibc.malloc.check=3", "A=b"},
			[]string{"A=b", "GLIBC_TUNABLES=glibc.malloc.check=3:" + mallocTunables, mallocTunedEnv + "=1"}},
		{"the user's arena_max wins", []string{"import", "-"}, []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=4"}, nil},
		{"the user's hugetlb wins", []string{"import", "-"}, []string{"GLIBC_TUNABLES=glibc.malloc.hugetlb=0"}, nil},
		{"already restarted", []string{"import", "-"}, []string{mallocTunedEnv + "=1"}, nil},
		{"opted out", []string{"import", "-"}, []string{mallocOptOutEnv + "=off"}, nil},
		{"other commands", []string{"run"}, []string{"HOME=/h"}, nil},
		{"search for the word import", []string{"search", "import"}, nil, nil},
		{"no command", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tunedEnviron(tc.args, tc.environ)
			if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("tunedEnviron(%q, %q) = %q, %v; want %q", tc.args, tc.environ, got, ok, tc.want)
			}
		})
	}
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// testBinary builds paperboy (with the test adapter) once per test process and returns
// its path (TestMain removes it).
func testBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paperboy-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "paperboy")
		out, err := exec.Command("go", "build", "-tags", "sqlite_fts5 paperboytest", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = &buildError{err, string(out)}
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "build: " + e.err.Error() + "\n" + e.out }

// TestImportRestartsTuned runs the real binary: `paperboy import` starts itself again with
// the malloc tunables (the restarted process logs them), reads its standard input through
// the restart, and stores every line; opted out, or with the user's own arena_max, it
// runs as started.
func TestImportRestartsTuned(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("GLIBC_TUNABLES: Linux only")
	}
	bin := testBinary(t)
	lines := `{"title": "Tuned allocation for bulk loads", "abstract": "We load papers."}
{"title": "Huge pages and hash tables", "abstract": "Translation lookaside buffers miss."}
`
	for _, tc := range []struct {
		name  string
		env   []string
		tuned bool
	}{
		{"default", nil, true},
		{"opted out", []string{mallocOptOutEnv + "=off"}, false},
		{"the user's arena_max", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "import", "--db", filepath.Join(t.TempDir(), "p.db"), "-")
			cmd.Env = append(os.Environ(), "PAPERBOY_LOG_LEVEL=debug")
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.Stdin = strings.NewReader(lines)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("import: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "read 2, new 2,") {
				t.Fatalf("import summary: %q, want 2 read and 2 new", stdout.String())
			}
			logged := strings.Contains(stderr.String(), "import started again with glibc malloc tuned") &&
				strings.Contains(stderr.String(), mallocTunables)
			if logged != tc.tuned {
				t.Fatalf("restarted tuned: %v, want %v; stderr:\n%s", logged, tc.tuned, stderr.String())
			}
		})
	}
}

// TestMain removes the binary testBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
