package store

import (
	"context"
	"testing"
)

func TestResumePoint(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	get := func(key string) string {
		t.Helper()
		v, err := db.ResumePoint(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := get("arxiv:cs.LG"); v != "" {
		t.Fatalf("fresh store: got %q, want none", v)
	}
	for _, v := range []string{"100", "200"} {
		if err := db.SetResumePoint(ctx, "arxiv:cs.LG", v); err != nil {
			t.Fatal(err)
		}
		if got := get("arxiv:cs.LG"); got != v {
			t.Fatalf("got %q, want %q", got, v)
		}
	}
	if got := get("arxiv:hep-th"); got != "" {
		t.Fatalf("another key: got %q, want none", got)
	}
	// Resume points do not collide with the store's own state.
	if err := db.SetResumePoint(ctx, sideKey, "x"); err != nil {
		t.Fatal(err)
	}
	if got := sideState(t, db); got != "" {
		t.Fatalf("store_state %q after a resume point named like it: got %q, want none", sideKey, got)
	}
	if err := db.SetResumePoint(ctx, "arxiv:cs.LG", ""); err != nil {
		t.Fatal(err)
	}
	if got := get("arxiv:cs.LG"); got != "" {
		t.Fatalf("after removal: got %q, want none", got)
	}
}
