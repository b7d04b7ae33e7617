package httpwait

import (
	"context"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	valid := []struct {
		in   string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"7", 7 * time.Second},
		{"0", 0},
		{"0.5", 500 * time.Millisecond},
		{"Tue, 05 Mar 2024 12:00:30 GMT", 30 * time.Second},
		{"Tue, 05 Mar 2024 11:00:00 GMT", 0}, // in the past
	}
	for _, tt := range valid {
		if got, ok := RetryAfter(tt.in, now); !ok || got != tt.want {
			t.Errorf("RetryAfter(%q): got %v %v, want %v true", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"", "soon", "-3", "1e9", "99999999999999999999", "5abc"} {
		if got, ok := RetryAfter(in, now); ok || got != 0 {
			t.Errorf("RetryAfter(%q): got %v %v, want 0 false", in, got, ok)
		}
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: got %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("Sleep with a cancelled context: got %v, want %v", err, context.Canceled)
	}
	if err := Sleep(ctx, 0); err != context.Canceled {
		t.Errorf("Sleep(0) with a cancelled context: got %v, want %v", err, context.Canceled)
	}
}
