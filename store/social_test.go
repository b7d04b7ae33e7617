package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// socialClock is a settable clock for the social tests.
type socialClock struct{ t time.Time }

func (c *socialClock) Now() time.Time { return c.t }

// mustSocialDB opens a store with a fake clock and the given arXiv papers in it.
func mustSocialDB(tb testing.TB, ids ...string) (*DB, *socialClock) {
	tb.Helper()
	db := MustOpenDB(tb)
	clock := &socialClock{t: time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	var ps []paperboy.Paper
	for i, id := range ids {
		p := paperboy.Paper{ArxivID: id, Title: fmt.Sprintf("Paper %d about %s", i, id), Abstract: "An abstract.",
			Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"}, Published: clock.t.AddDate(0, 0, -i)}
		if err := p.Normalize(); err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		if _, err := db.UpsertPapers(context.Background(), ps); err != nil {
			tb.Fatalf("upsert: %v", err)
		}
	}
	return db, clock
}

func TestPosts(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001", "2401.00002")
	must(t, db.SavePost(ctx, paperboy.PostRecord{Channel: "shell:t", MessageID: "41", ThreadID: "41", PaperID: "2401.00001"}))
	must(t, db.SavePost(ctx, paperboy.PostRecord{Channel: "discord:c", MessageID: "m1", ThreadID: "th1", PaperID: "2401.00002"}))

	tests := []struct {
		name, channel, ref, wantPaper, wantCode string
	}{
		{"by message id", "shell:t", "41", "2401.00001", ""},
		{"by thread id", "discord:c", "th1", "2401.00002", ""},
		{"by message id with separate thread", "discord:c", "m1", "2401.00002", ""},
		{"other channel", "shell:other", "41", "", paperboy.ENOTFOUND},
		{"unknown message", "shell:t", "42", "", paperboy.ENOTFOUND},
		{"empty ref", "shell:t", "", "", paperboy.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := db.FindPost(ctx, tt.channel, tt.ref)
			if got := paperboy.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("error code: got %q (%v), want %q", got, err, tt.wantCode)
			}
			if p.PaperID != tt.wantPaper {
				t.Errorf("paper: got %q, want %q", p.PaperID, tt.wantPaper)
			}
		})
	}

	if p, err := db.FindPostByPaper(ctx, "discord:c", "2401.00002"); err != nil || p.MessageID != "m1" {
		t.Errorf("FindPostByPaper: got %+v, %v, want message m1", p, err)
	}
	if _, err := db.FindPostByPaper(ctx, "shell:t", "2401.00002"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("FindPostByPaper elsewhere: got %v, want ENOTFOUND", err)
	}
	err := db.SavePost(ctx, paperboy.PostRecord{Channel: "shell:t", MessageID: "99", PaperID: "2499.99999"})
	if got := paperboy.ErrorCode(err); got != paperboy.ENOTFOUND {
		t.Errorf("post of unknown paper: got %q (%v), want %q", got, err, paperboy.ENOTFOUND)
	}
	if n, err := db.LastMessageID(ctx, "shell:t"); err != nil || n != 41 {
		t.Errorf("LastMessageID: got %d, %v, want 41", n, err)
	}
	if n, err := db.LastMessageID(ctx, "shell:none"); err != nil || n != 0 {
		t.Errorf("LastMessageID of an empty channel: got %d, %v, want 0", n, err)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestVotes(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001")
	const paper, ch = "2401.00001", "shell:t"
	vote := func(user string, v int, via string) paperboy.Vote {
		return paperboy.Vote{PaperID: paper, Channel: ch, User: user, Value: v, Via: via}
	}
	steps := []struct {
		name        string
		do          func() (bool, error)
		wantChanged bool
		wantUp      int
		wantDown    int
	}{
		{"first upvote", func() (bool, error) { return db.CastVote(ctx, vote("ann", 1, "reaction")) }, true, 1, 0},
		{"same upvote again", func() (bool, error) { return db.CastVote(ctx, vote("ann", 1, "reply")) }, false, 1, 0},
		{"another user downvotes", func() (bool, error) { return db.CastVote(ctx, vote("bob", -1, "button")) }, true, 1, 1},
		{"ann changes her mind", func() (bool, error) { return db.CastVote(ctx, vote("ann", -1, "reaction")) }, true, 0, 2},
		{"removing a +1 reaction keeps a -1", func() (bool, error) { return db.RemoveVote(ctx, vote("ann", 1, "reaction")) }, false, 0, 2},
		{"removing via another way keeps it", func() (bool, error) { return db.RemoveVote(ctx, vote("ann", -1, "button")) }, false, 0, 2},
		{"removing the matching reaction", func() (bool, error) { return db.RemoveVote(ctx, vote("ann", -1, "reaction")) }, true, 0, 1},
		{"removing any vote", func() (bool, error) { return db.RemoveVote(ctx, vote("bob", 0, "")) }, true, 0, 0},
		{"removing nothing", func() (bool, error) { return db.RemoveVote(ctx, vote("bob", 0, "")) }, false, 0, 0},
	}
	for _, st := range steps {
		changed, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if changed != st.wantChanged {
			t.Errorf("%s: changed: got %v, want %v", st.name, changed, st.wantChanged)
		}
		tally, err := db.Tally(ctx, paper, ch)
		if err != nil {
			t.Fatal(err)
		}
		if tally.Up != st.wantUp || tally.Down != st.wantDown {
			t.Errorf("%s: tally: got ▲%d ▼%d, want ▲%d ▼%d", st.name, tally.Up, tally.Down, st.wantUp, st.wantDown)
		}
	}

	bad := []struct {
		name string
		v    paperboy.Vote
		want string
	}{
		{"zero value", vote("ann", 0, ""), paperboy.EINVALID},
		{"value 2", vote("ann", 2, ""), paperboy.EINVALID},
		{"no user", vote("", 1, ""), paperboy.EINVALID},
		{"unknown paper", paperboy.Vote{PaperID: "2499.00000", Channel: ch, User: "ann", Value: 1}, paperboy.ENOTFOUND},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.CastVote(ctx, tt.v)
			if got := paperboy.ErrorCode(err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}

	if _, err := db.CastVote(ctx, vote("cy", 1, "button")); err != nil {
		t.Fatal(err)
	}
	v, err := db.FindVote(ctx, paper, ch, "cy")
	if err != nil || v.Value != 1 || v.Via != "button" {
		t.Errorf("FindVote: got %+v, %v, want +1 via button", v, err)
	}
	if _, err := db.FindVote(ctx, paper, ch, "nobody"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("FindVote of a non-voter: got %v, want ENOTFOUND", err)
	}
	// Votes are per channel.
	if tally, _ := db.Tally(ctx, paper, "slack:C1"); tally.Up != 0 {
		t.Errorf("other channel tally: got ▲%d, want ▲0", tally.Up)
	}
}

func TestAddReply(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001")
	for i, want := range []bool{true, false} {
		added, err := db.AddReply(ctx, "shell:t", "m7", "2401.00001", "ann")
		if err != nil || added != want {
			t.Errorf("AddReply #%d: got %v, %v, want %v", i+1, added, err, want)
		}
	}
	if _, err := db.AddReply(ctx, "shell:t", "m8", "2401.00001", "bob"); err != nil {
		t.Fatal(err)
	}
	tally, err := db.Tally(ctx, "2401.00001", "shell:t")
	if err != nil || tally.Replies != 2 {
		t.Errorf("replies: got %d (%v), want 2", tally.Replies, err)
	}
	if _, err := db.AddReply(ctx, "shell:t", "m9", "2499.00000", "bob"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("reply on unknown paper: got %v, want ENOTFOUND", err)
	}
}

func TestSeenEvent(t *testing.T) {
	ctx := context.Background()
	db, clock := mustSocialDB(t)
	for i, want := range []bool{true, false, false} {
		first, err := db.SeenEvent(ctx, "Ev1")
		if err != nil || first != want {
			t.Errorf("SeenEvent #%d: got %v, %v, want %v", i+1, first, err, want)
		}
	}
	if first, _ := db.SeenEvent(ctx, "Ev2"); !first {
		t.Errorf("another event: got seen, want first")
	}
	// After the retention window the id is pruned (and a redelivery that late is new).
	clock.t = clock.t.Add(EventRetention + time.Minute)
	if first, _ := db.SeenEvent(ctx, "Ev3"); !first {
		t.Errorf("Ev3: got seen, want first")
	}
	var n int
	if err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM events_seen`).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rows after pruning: got %d, want 1", n)
	}
	if _, err := db.SeenEvent(ctx, ""); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("empty id: got %v, want EINVALID", err)
	}
}

func TestTop(t *testing.T) {
	ctx := context.Background()
	ids := []string{"2401.00001", "2401.00002", "2401.00003", "2401.00004", "2401.00005"}
	db, clock := mustSocialDB(t, ids...)
	const ch = "shell:t"
	start := clock.t
	for i, id := range ids {
		clock.t = start.Add(time.Duration(i) * time.Minute)
		must(t, db.SavePost(ctx, paperboy.PostRecord{Channel: ch, MessageID: fmt.Sprint(i + 1), PaperID: id}))
	}
	up := func(id, user string, v int) {
		t.Helper()
		if _, err := db.CastVote(ctx, paperboy.Vote{PaperID: id, Channel: ch, User: user, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	clock.t = start.Add(time.Hour)
	up(ids[0], "a", 1) // net 1
	up(ids[1], "a", 1) // net 2
	up(ids[1], "b", 1)
	up(ids[2], "a", 1) // net 1, with a reply: ranks above ids[0]
	if _, err := db.AddReply(ctx, ch, "r1", ids[2], "c"); err != nil {
		t.Fatal(err)
	}
	up(ids[3], "a", -1) // net -1
	// ids[4]: posted, no activity: not listed.
	// A vote in another channel does not count here.
	up2 := paperboy.Vote{PaperID: ids[0], Channel: "slack:C1", User: "z", Value: 1}
	if _, err := db.CastVote(ctx, up2); err != nil {
		t.Fatal(err)
	}

	got, err := db.Top(ctx, ch, start.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[1], ids[2], ids[0], ids[3]}
	if len(got) != len(want) {
		t.Fatalf("got %d papers, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.Paper == nil || r.Paper.ID != want[i] {
			t.Errorf("rank %d: got %+v, want %s", i+1, r.Tally, want[i])
		}
	}
	if got[0].Tally.Up != 2 || got[1].Tally.Replies != 1 || got[0].Paper.Title == "" {
		t.Errorf("tallies: got %+v and %+v, want ▲2 and 1 reply with full papers", got[0].Tally, got[1].Tally)
	}
	// Recency breaks ties: a later vote on ids[0] moves it above an equal paper.
	clock.t = start.Add(2 * time.Hour)
	up(ids[4], "a", 1) // net 1, no replies, later than ids[0]
	got, _ = db.Top(ctx, ch, start.Add(-time.Hour), 10)
	if len(got) < 4 || got[2].Paper.ID != ids[4] || got[3].Paper.ID != ids[0] {
		t.Errorf("tie break by recency: got %v, want %s before %s", topIDs(got), ids[4], ids[0])
	}
	// A window after all activity is empty.
	if got, _ := db.Top(ctx, ch, start.Add(3*time.Hour), 10); len(got) != 0 {
		t.Errorf("later window: got %v, want none", topIDs(got))
	}
	if got, _ := db.Top(ctx, ch, start.Add(-time.Hour), 2); len(got) != 2 {
		t.Errorf("limit 2: got %d, want 2", len(got))
	}
}

func topIDs(rs []paperboy.Ranked) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Tally.PaperID)
	}
	return out
}

func TestReadingList(t *testing.T) {
	ctx := context.Background()
	db, clock := mustSocialDB(t, "2401.00001", "2401.00002")
	for i, want := range []bool{true, false} {
		added, err := db.AddToReadingList(ctx, "shell:ann", "2401.00001")
		if err != nil || added != want {
			t.Errorf("add #%d: got %v, %v, want %v", i+1, added, err, want)
		}
	}
	clock.t = clock.t.Add(time.Minute)
	if _, err := db.AddToReadingList(ctx, "shell:ann", "2401.00002"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddToReadingList(ctx, "shell:ann", "2499.00000"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("unknown paper: got %v, want ENOTFOUND", err)
	}
	list, err := db.ReadingList(ctx, "shell:ann", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "2401.00002" || list[1].ID != "2401.00001" {
		t.Errorf("list: got %d papers %v, want 2401.00002 then 2401.00001", len(list), list)
	}
	if list, _ := db.ReadingList(ctx, "shell:bob", 10); len(list) != 0 {
		t.Errorf("bob's list: got %d papers, want 0", len(list))
	}
}

func TestDeliverySubscription(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001", "2401.00002")
	sub := paperboy.Subscription{Channel: "shell:t", Filter: "cat:cs.LG"}
	must(t, db.CreateSubscription(ctx, &sub))
	viaSub, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: "2401.00001", Channel: "shell:t", SubscriptionID: sub.ID})
	must(t, err)
	shared, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: "2401.00002", Channel: "shell:t"})
	must(t, err)
	tests := []struct {
		name     string
		delivery int64
		want     int64
		code     string
	}{
		{"from a subscription", viaSub.ID, sub.ID, ""},
		{"shared with add", shared.ID, 0, ""},
		{"unknown", 9999, 0, paperboy.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.DeliverySubscription(ctx, tt.delivery)
			if paperboy.ErrorCode(err) != tt.code || got != tt.want {
				t.Errorf("got %d, %v, want %d, code %q", got, err, tt.want, tt.code)
			}
		})
	}
}
