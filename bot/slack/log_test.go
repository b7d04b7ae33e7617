package slack

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logRecorder is a slog.Handler that keeps every record as "message key=value ...";
// onRecord, when set, runs as each record is handled (to see the world at that moment).
type logRecorder struct {
	mu       sync.Mutex
	lines    []string
	onRecord func(msg string)
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	hook := l.onRecord
	l.mu.Unlock()
	if hook != nil {
		hook(r.Message)
	}
	return nil
}

func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	// Shares the lines with the parent: the adapter adds platform=slack.
	return &logView{l, as}
}

func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// logView is a logRecorder with extra attributes.
type logView struct {
	l     *logRecorder
	attrs []slog.Attr
}

func (v *logView) Enabled(ctx context.Context, lv slog.Level) bool { return true }
func (v *logView) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(v.attrs...)
	return v.l.Handle(ctx, r)
}
func (v *logView) WithAttrs(as []slog.Attr) slog.Handler {
	return &logView{v.l, append(append([]slog.Attr(nil), v.attrs...), as...)}
}
func (v *logView) WithGroup(string) slog.Handler { return v }

// Lines returns the records whose message starts with prefix.
func (l *logRecorder) Lines(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
