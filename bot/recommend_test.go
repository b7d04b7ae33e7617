package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/recommend"
	"github.com/paperboy-bot/paperboy/store"
)

// recommendStore holds 6 papers on each of two topics, ids 2401.1TNNN.
func recommendStore(t *testing.T, now func() time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = now
	topics := [][]string{
		{"speculative decoding", "draft model", "token acceptance", "inference latency"},
		{"protein folding", "structure prediction", "amino acid sequence", "molecular dynamics"},
	}
	var ps []paperboy.Paper
	for ti, ph := range topics {
		for i := 0; i < 6; i++ {
			p := paperboy.Paper{ArxivID: fmt.Sprintf("2401.1%d%03d", ti, i),
				Title:    fmt.Sprintf("Faster %s through %s", ph[i%4], ph[(i+1)%4]),
				Abstract: fmt.Sprintf("We study %s and %s.", ph[(i+2)%4], ph[(i+3)%4]), Categories: []string{"cs.LG"}}
			if err := p.Normalize(); err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
	}
	if _, err := db.UpsertPapers(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestRecommendCommand(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := recommendStore(t, now)
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now, Recommender: &recommend.Service{Store: db}})
	run := func(text string) string {
		return b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: text}).Text
	}
	if got := run("recommend"); !strings.Contains(got, "no votes yet") || !strings.Contains(got, "votes import --channel test:c FILE") {
		t.Errorf("without votes: %q, want how to start", got)
	}
	for _, id := range []string{"2401.10000", "2401.10001"} {
		if _, err := db.CastVote(ctx, paperboy.Vote{PaperID: id, Channel: "test:c", User: "u", Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CastVote(ctx, paperboy.Vote{PaperID: "2401.11000", Channel: "test:c", User: "u", Value: -1}); err != nil {
		t.Fatal(err)
	}
	got := run("recommend 3")
	lines := strings.Split(got, "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], "Picked for this channel") {
		t.Fatalf("recommend 3: got\n%s\nwant a title and 3 papers with reasons", got)
	}
	for i := 0; i < 3; i++ {
		paper, reason := lines[1+2*i], lines[2+2*i]
		if !strings.Contains(paper, "arxiv.org/abs/2401.10") {
			t.Errorf("pick %d is not about speculative decoding: %s", i+1, paper)
		}
		if strings.Contains(paper, "2401.10000") || strings.Contains(paper, "2401.10001") {
			t.Errorf("pick %d was voted on: %s", i+1, paper)
		}
		if !strings.Contains(reason, "↳ like *") && !strings.Contains(reason, "↳ mentions ") {
			t.Errorf("pick %d: reason line %q", i+1, reason)
		}
	}
	// Another channel has no votes: nothing of this one shows there.
	if other := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "d", User: "u", Text: "recommend"}).Text; !strings.Contains(other, "no votes yet") {
		t.Errorf("other channel: %q", other)
	}
	at = at.Add(2 * time.Hour)
	if got := run("recommend since:1h"); !strings.Contains(got, "No papers stored since") {
		t.Errorf("recommend since:1h: %q", got)
	}
	for _, bad := range []string{"recommend 0", "recommend lots", "recommend since:never"} {
		if got := run(bad); !strings.Contains(got, "Usage") && !strings.Contains(got, "since:never") {
			t.Errorf("%s: %q, want a usage error", bad, got)
		}
	}
	got = run("similar 2401.11002")
	if !strings.HasPrefix(got, "Papers like") || !strings.Contains(got, "↳ shares ") || strings.Contains(got, "abs/2401.10") {
		t.Errorf("similar: %s", got)
	}
}
