package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// mustPapers stores n announceable papers 2401.0000i and returns their ids in seq order.
func mustPapers(tb testing.TB, db *DB, first, n int) []string {
	tb.Helper()
	var ps []paperboy.Paper
	for i := first; i < first+n; i++ {
		p := paperboy.Paper{ArxivID: fmt.Sprintf("2401.%05d", i), Title: fmt.Sprintf("Paper number %d on sparse experts", i),
			Abstract: "We study experts.", Categories: []string{"cs.LG"}, Published: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
		if err := p.Normalize(); err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	if _, err := db.UpsertPapers(context.Background(), ps); err != nil {
		tb.Fatalf("upsert papers: %v", err)
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	q, err := paperboy.ParseQuery(`cat:cs.LG "mixture of experts" -survey`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := paperboy.Subscription{Channel: "shell:general", Filter: q.String(), Query: q,
		Digest: paperboy.Digest{Every: paperboy.DigestWeekly, Hour: 9, Weekday: time.Monday}, DailyCap: 3, CreatedBy: "ann"}
	if err := db.CreateSubscription(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.CreatedAt.IsZero() {
		t.Fatalf("got id %d created %v, want both set", s.ID, s.CreatedAt)
	}
	other := paperboy.Subscription{Channel: "shell:random", Filter: "author:hinton"}
	if err := db.CreateSubscription(ctx, &other); err != nil {
		t.Fatal(err)
	}

	got, err := db.Subscriptions(ctx, "shell:general")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d subscriptions, want 1", len(got))
	}
	g := got[0]
	if g.Filter != q.String() || g.Query.String() != q.String() || g.Digest != s.Digest || g.DailyCap != 3 || g.CreatedBy != "ann" {
		t.Errorf("got %+v, want the stored subscription %+v", g, s)
	}
	if all, _ := db.Subscriptions(ctx, ""); len(all) != 2 || all[0].ID != s.ID || all[1].ID != other.ID {
		t.Errorf("got %+v, want both subscriptions in id order", all)
	}

	if err := db.DeleteSubscription(ctx, "shell:random", s.ID); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("delete from another channel: got %v, want not_found", err)
	}
	if err := db.DeleteSubscription(ctx, "shell:general", s.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSubscription(ctx, "shell:general", s.ID); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("second delete: got %v, want not_found", err)
	}
	if got, _ := db.Subscriptions(ctx, "shell:general"); len(got) != 0 {
		t.Errorf("got %d live subscriptions after delete, want 0", len(got))
	}
	// Deliveries keep their reference: the removed subscription is still readable by id.
	if old, err := db.Subscription(ctx, s.ID); err != nil || old.Filter != s.Filter {
		t.Errorf("got %+v, %v; want the removed subscription", old, err)
	}
}

func TestChannel(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c, err := db.Channel(ctx, "slack:C1")
	if err != nil || c != (paperboy.Channel{Key: "slack:C1"}) {
		t.Fatalf("unknown channel: got %+v, %v; want zero with key", c, err)
	}
	if err := db.SaveChannel(ctx, paperboy.Channel{Key: "slack:C1", Name: "#ml", TimeZone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveChannel(ctx, paperboy.Channel{Key: "slack:C1", Name: "#ml-papers", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Channel(ctx, "slack:C1"); c.Name != "#ml-papers" || c.TimeZone != "Asia/Tokyo" {
		t.Errorf("got %+v, want the updated settings", c)
	}
	if err := db.SaveChannel(ctx, paperboy.Channel{Key: "slack:C1", TimeZone: "Mars/Olympus"}); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("bad time zone: got %v, want invalid", err)
	}
}

func TestEnqueueDelivery(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ids := mustPapers(t, db, 1, 1)
	d, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: ids[0], Channel: "shell:general"})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID == 0 || d.State != paperboy.DeliveryPending {
		t.Fatalf("got %+v, want a pending delivery with an id", d)
	}
	_, err = db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: ids[0], Channel: "shell:general"})
	if paperboy.ErrorCode(err) != paperboy.ECONFLICT || !strings.Contains(paperboy.ErrorMessage(err), "queued (pending)") {
		t.Errorf("second enqueue: got %v, want a conflict naming the state", err)
	}
	if _, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: ids[0], Channel: "shell:other"}); err != nil {
		t.Errorf("another channel: got %v, want nil", err)
	}
	if _, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: "2501.99999", Channel: "shell:general"}); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("unknown paper: got %v, want not_found", err)
	}
}

func TestCommitWatch(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ids := mustPapers(t, db, 1, 3)
	if _, found, _ := db.Cursor(ctx, "w"); found {
		t.Fatal("got a cursor in a new store, want none")
	}
	ds := []paperboy.Delivery{{PaperID: ids[0], Channel: "a:1"}, {PaperID: ids[0], Channel: "a:1"}, {PaperID: ids[1], Channel: "a:1"}}
	n, err := db.CommitWatch(ctx, "w", 0, 2, ds)
	if err != nil || n != 2 {
		t.Fatalf("got %d, %v; want 2 inserted (the duplicate pair ignored)", n, err)
	}
	if v, found, _ := db.Cursor(ctx, "w"); !found || v != 2 {
		t.Errorf("got cursor %d, want 2", v)
	}
	// A stale writer changes nothing.
	n, err = db.CommitWatch(ctx, "w", 0, 3, []paperboy.Delivery{{PaperID: ids[2], Channel: "a:1"}})
	if paperboy.ErrorCode(err) != paperboy.ECONFLICT || n != 0 {
		t.Errorf("stale commit: got %d, %v; want a conflict", n, err)
	}
	if st, _ := db.DeliveryStatus(ctx, ""); st.Pending != 2 {
		t.Errorf("got %d pending, want 2", st.Pending)
	}
}

func TestPapersAfterSkipsQuiet(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustPapers(t, db, 1, 2)
	quiet := paperboy.Paper{ArxivID: "2401.00050", Title: "An imported paper", Quiet: true}
	if err := quiet.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{quiet}); err != nil {
		t.Fatal(err)
	}
	mustPapers(t, db, 3, 1)
	max, err := db.MaxSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	papers, last, err := db.PapersAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if last != max || len(papers) != 3 {
		t.Fatalf("got %d papers up to seq %d, want 3 up to %d", len(papers), last, max)
	}
	for _, p := range papers {
		if p.Quiet {
			t.Errorf("got quiet paper %s, want only announceable ones", p.ID)
		}
	}
	// A window smaller than the batch still moves past quiet papers.
	papers, last, _ = db.PapersAfter(ctx, papers[1].Seq, 1)
	if len(papers) != 0 || last != papers2seq(t, db, "2401.00050") {
		t.Errorf("got %d papers up to %d, want the quiet paper's seq with none returned", len(papers), last)
	}
}

func papers2seq(t *testing.T, db *DB, id string) int64 {
	t.Helper()
	p, err := db.FindPaper(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Seq
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ids := mustPapers(t, db, 1, 3)
	var ds []paperboy.Delivery
	for _, id := range ids {
		ds = append(ds, paperboy.Delivery{PaperID: id, Channel: "t:a"})
	}
	ds = append(ds, paperboy.Delivery{PaperID: ids[0], Channel: "t:b"})
	if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	heads := func() []string {
		got, err := db.DueDeliveries(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range got {
			out = append(out, d.Channel+"/"+d.PaperID)
		}
		return out
	}
	if got, want := fmt.Sprint(heads()), fmt.Sprint([]string{"t:a/" + ids[0], "t:b/" + ids[0]}); got != want {
		t.Fatalf("got heads %s, want %s", got, want)
	}
	due, _ := db.DueDeliveries(ctx, now)
	a, b := due[0], due[1]
	if err := db.MarkSending(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSending(ctx, a.ID); paperboy.ErrorCode(err) != paperboy.ECONFLICT {
		t.Errorf("second intent: got %v, want conflict", err)
	}
	// While a's head is in flight, channel t:a has nothing due: per-channel order.
	if got := heads(); len(got) != 1 || got[0] != "t:b/"+ids[0] {
		t.Errorf("got heads %v with t:a in flight, want only t:b", got)
	}
	if u, _ := db.Uncertain(ctx); len(u) != 1 || u[0].ID != a.ID {
		t.Errorf("got uncertain %+v, want delivery %d", u, a.ID)
	}
	if err := db.MarkSent(ctx, a.ID, paperboy.PostRecord{MessageID: "m1", ThreadID: "t1"}); err != nil {
		t.Fatal(err)
	}
	if f, _ := db.Followups(ctx); len(f) != 1 || f[0].ID != a.ID || f[0].MessageID != "m1" || f[0].ThreadID != "t1" {
		t.Errorf("got followups %+v, want delivery %d with its ids", f, a.ID)
	}
	if err := db.MarkFollowupDone(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if f, _ := db.Followups(ctx); len(f) != 0 {
		t.Errorf("got %d followups after done, want 0", len(f))
	}
	var posts int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM posts WHERE message_id = 'm1' AND delivery_id = ?`, a.ID).Scan(&posts); err != nil || posts != 1 {
		t.Errorf("got %d posts rows (%v), want 1", posts, err)
	}

	// A temporary failure: back to pending, later; the channel's next paper waits.
	next := heads()
	if len(next) != 2 {
		t.Fatalf("got heads %v, want two", next)
	}
	due, _ = db.DueDeliveries(ctx, now)
	a2 := due[0]
	if err := db.MarkSending(ctx, a2.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, []int64{a2.ID}, now.Add(1500*time.Millisecond), "rate_limited (attempt 1)"); err != nil {
		t.Fatal(err)
	}
	if got := heads(); len(got) != 1 {
		t.Errorf("got heads %v during a backoff, want only t:b", got)
	}
	later, _ := db.DueDeliveries(ctx, now.Add(2*time.Second))
	if len(later) != 2 || later[0].ID != a2.ID || later[0].Attempts != 1 || later[0].LastError != "rate_limited (attempt 1)" {
		t.Errorf("got %+v after the backoff, want delivery %d again with 1 attempt", later, a2.ID)
	}

	// A permanent failure shows in the status.
	if err := db.MarkSending(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, []int64{b.ID}, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	st, err := db.DeliveryStatus(ctx, "t:b")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || len(st.RecentFailures) != 1 || st.RecentFailures[0].LastError != "channel_not_found" {
		t.Errorf("got status %+v, want the failure with its reason", st)
	}
	all, _ := db.DeliveryStatus(ctx, "")
	if all.Sent != 1 || all.Pending != 2 || all.Failed != 1 || all.Papers != 3 || all.LastIngest.IsZero() {
		t.Errorf("got status %+v, want 1 sent, 2 pending, 1 failed, 3 papers", all)
	}
}

func TestDueDigestsAndCount(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ids := mustPapers(t, db, 1, 3)
	sub := paperboy.Subscription{Channel: "t:a", Filter: "experts"}
	if err := db.CreateSubscription(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	slot := now.Add(3 * time.Hour)
	_, err := db.EnqueueDeliveries(ctx, []paperboy.Delivery{
		{PaperID: ids[0], Channel: "t:a", SubscriptionID: sub.ID, DigestAt: slot},
		{PaperID: ids[1], Channel: "t:a", SubscriptionID: sub.ID, DigestAt: slot},
		{PaperID: ids[2], Channel: "t:a", SubscriptionID: sub.ID, State: paperboy.DeliverySkipped, LastError: "daily cap"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.DueDigests(ctx, now); len(got) != 0 {
		t.Errorf("got %d digests due before the slot, want 0", len(got))
	}
	got, _ := db.DueDigests(ctx, slot)
	if len(got) != 2 {
		t.Fatalf("got %d digests at the slot, want 2", len(got))
	}
	if heads, _ := db.DueDeliveries(ctx, slot); len(heads) != 0 {
		t.Errorf("got %d immediate heads, want digests kept out of the immediate queue", len(heads))
	}
	if n, _ := db.CountDeliveries(ctx, sub.ID, now.Add(-time.Hour)); n != 2 {
		t.Errorf("got %d counted deliveries, want 2 (skipped ones excluded)", n)
	}
	if err := db.MarkSending(ctx, got[0].ID, got[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDigestSent(ctx, []int64{got[0].ID, got[1].ID}, "dig1", slot); err != nil {
		t.Fatal(err)
	}
	// Removing the subscription skips what it still had pending.
	_, _ = db.EnqueueDeliveries(ctx, []paperboy.Delivery{{PaperID: ids[2], Channel: "t:c", SubscriptionID: sub.ID, DigestAt: slot}})
	if err := db.DeleteSubscription(ctx, "t:a", sub.ID); err != nil {
		t.Fatal(err)
	}
	st, _ := db.DeliveryStatus(ctx, "")
	if st.Sent != 2 || st.Skipped != 2 || st.Pending != 0 {
		t.Errorf("got %+v, want 2 sent and 2 skipped", st)
	}
}

func TestOwedMessages(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ids := mustPapers(t, db, 1, 3)
	digestAt := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var ds []paperboy.Delivery
	for _, id := range ids {
		ds = append(ds, paperboy.Delivery{PaperID: id, Channel: "t:a"}, paperboy.Delivery{PaperID: id, Channel: "t:d", DigestAt: digestAt})
	}
	if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	due, _ := db.DueDeliveries(ctx, digestAt)
	a := due[0]
	if err := db.MarkSending(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, a.ID, paperboy.PostRecord{MessageID: "m1", ThreadID: "t1"}); err != nil {
		t.Fatal(err)
	}
	owed := func(list func(context.Context) ([]paperboy.Delivery, error), field func(paperboy.Delivery) int) string {
		t.Helper()
		got, err := list(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range got {
			out = append(out, fmt.Sprintf("%d:%d", d.ID, field(d)))
		}
		return strings.Join(out, " ")
	}
	reply := func(d paperboy.Delivery) int { return d.Reply }
	summary := func(d paperboy.Delivery) int { return d.Summary }
	steps := []struct {
		name               string
		do                 func() error
		wantReply, wantSum string
	}{
		{"sent: reply owed", func() error { return nil }, fmt.Sprintf("%d:1", a.ID), ""},
		{"reply tried", func() error { return db.MarkFollowupTried(ctx, a.ID) }, fmt.Sprintf("%d:2", a.ID), ""},
		{"reply done, summary owed", func() error { return db.MarkFollowupDone(ctx, a.ID, true) }, "", fmt.Sprintf("%d:1", a.ID)},
		{"summary tried", func() error { return db.MarkSummaryTried(ctx, a.ID) }, "", fmt.Sprintf("%d:2", a.ID)},
		{"summary done", func() error { return db.MarkSummaryDone(ctx, a.ID) }, "", ""},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := owed(db.Followups, reply); got != s.wantReply {
			t.Errorf("%s: got followups %q, want %q", s.name, got, s.wantReply)
		}
		if got := owed(db.Summaries, summary); got != s.wantSum {
			t.Errorf("%s: got summaries %q, want %q", s.name, got, s.wantSum)
		}
	}

	// A digest's key stays with its deliveries through a retry.
	dig, _ := db.DueDigests(ctx, digestAt)
	dids := []int64{dig[0].ID, dig[1].ID}
	if err := db.MarkDigestSending(ctx, "pb-g1", dids); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDigestSending(ctx, "pb-g1", dids); paperboy.ErrorCode(err) != paperboy.ECONFLICT {
		t.Errorf("second intent: got %v, want conflict", err)
	}
	if err := db.MarkRetry(ctx, dids, digestAt, "lost"); err != nil {
		t.Fatal(err)
	}
	dig, _ = db.DueDigests(ctx, digestAt)
	var keys []string
	for _, d := range dig {
		keys = append(keys, d.DigestKey)
	}
	if got, want := fmt.Sprint(keys), "[pb-g1 pb-g1 ]"; got != want {
		t.Errorf("got digest keys %s after a retry, want %s", got, want)
	}
}

// TestMigrationNoDailyCap checks migration 011: a daily_cap of 0 stored before it meant no
// cap (cap:0), and becomes paperboy.NoDailyCap; other caps stay; new subscriptions store
// 0 for the default and NoDailyCap for none.
func TestMigrationNoDailyCap(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Rows as the code before 011 wrote them, and no record of 011.
	for _, q := range []string{
		`INSERT INTO subscriptions (channel, filter, digest, daily_cap, created_by, created_at) VALUES ('t:a', 'llm', '', 0, 'ann', 0)`,
		`INSERT INTO subscriptions (channel, filter, digest, daily_cap, created_by, created_at) VALUES ('t:a', 'gan', '', 7, 'ann', 0)`,
		`DELETE FROM schema_migrations WHERE version = 11`,
	} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatalf("reopen (migration 011): %v", err)
	}
	defer db.Close()
	for _, c := range []int{0, paperboy.NoDailyCap} {
		q, _ := paperboy.ParseQuery("diffusion", time.Now())
		s := paperboy.Subscription{Channel: "t:a", Filter: q.String(), Query: q, DailyCap: c}
		if err := db.CreateSubscription(ctx, &s); err != nil {
			t.Fatalf("create with cap %d: %v", c, err)
		}
	}
	bad := paperboy.Subscription{Channel: "t:a", Filter: "x", DailyCap: -2}
	if err := db.CreateSubscription(ctx, &bad); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("cap -2: got %v, want EINVALID", err)
	}
	subs, err := db.Subscriptions(ctx, "t:a")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, s := range subs {
		got = append(got, s.DailyCap)
	}
	if want := []int{paperboy.NoDailyCap, 7, 0, paperboy.NoDailyCap}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("daily caps: got %v, want %v", got, want)
	}
}

// TestDeliveryStatusPerPlatform: the whole outbox's status splits its counts by platform
// (the channel key before ":"), in name order; one channel's status has no split.
func TestDeliveryStatusPerPlatform(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ids := mustPapers(t, db, 1, 2)
	var ds []paperboy.Delivery
	for _, ch := range []string{"slack:C1", "slack:C2", "discord:123", "shell:terminal"} {
		for _, id := range ids {
			ds = append(ds, paperboy.Delivery{PaperID: id, Channel: ch})
		}
	}
	if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueDeliveries(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range due {
		if err := db.MarkSending(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		switch d.Channel {
		case "discord:123":
			err = db.MarkFailed(ctx, []int64{d.ID}, "Missing Access")
		case "slack:C1", "slack:C2":
			err = db.MarkSent(ctx, d.ID, paperboy.PostRecord{MessageID: "m" + d.Channel})
		default:
			continue // shell: left sending
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	st, err := db.DeliveryStatus(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range st.Platforms {
		got = append(got, p.Platform+": "+p.DeliveryCounts.String())
	}
	want := []string{
		"discord: 1 pending, 0 sending, 0 sent, 1 failed, 0 skipped",
		"shell: 1 pending, 1 sending, 0 sent, 0 failed, 0 skipped",
		"slack: 2 pending, 0 sending, 2 sent, 0 failed, 0 skipped",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("per platform:\ngot  %q\nwant %q", got, want)
	}
	if total := st.DeliveryCounts.String(); total != "4 pending, 1 sending, 2 sent, 1 failed, 0 skipped" {
		t.Errorf("total: got %q", total)
	}
	one, err := db.DeliveryStatus(ctx, "slack:C1")
	if err != nil {
		t.Fatal(err)
	}
	if one.Platforms != nil || one.Sent != 1 || one.Pending != 1 {
		t.Errorf("one channel: got %+v, want 1 sent, 1 pending and no per-platform split", one)
	}
}
