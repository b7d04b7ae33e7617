package bottest

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer that collects a running program's or adapter's output and is
// safe to write and read from several goroutines (tests poll it while the program runs).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
