package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/store"
)

// TestVotesThroughCore runs the real bot on a real store behind the adapter: reactions
// (with a skin tone), a `+1` reply and a removal while the connection is down count once
// each, on the post in a text channel and on a forum post, across a resume and a
// redelivered event.
func TestVotesThroughCore(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i, p := range []paperboy.Paper{{ArxivID: "2401.04088", Title: "Mixtral of Experts"}, {ArxivID: "2402.00001", Title: "Forum Paper"}} {
		p.Abstract, p.Categories, p.Published = "An abstract.", []string{"cs.LG"}, now.AddDate(0, 0, -1)
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		post := paperboy.PostRecord{Channel: paperboy.ChannelKey("discord", textChannel.ID), MessageID: "5000000000000000001", ThreadID: postThread.ID, PaperID: p.ID}
		if i == 1 { // a forum post: the thread and its starter message share the id
			post = paperboy.PostRecord{Channel: paperboy.ChannelKey("discord", forum.ID), MessageID: forumPost.ID, ThreadID: forumPost.ID, PaperID: p.ID}
		}
		if err := db.SavePost(ctx, post); err != nil {
			t.Fatal(err)
		}
	}
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db})
	fake := discordfake.New(t)
	addChannels(fake)
	start(t, fake, b, func(o *Options) { o.MessageContent = true })
	bob := discordfake.User{ID: "3000000000000000003", Username: "bob"}
	carol := discordfake.User{ID: "3000000000000000004", Username: "carol"}

	fake.ReactionAdd(alice, textChannel.ID, "5000000000000000001", "👍🏽")
	fake.MessageCreate(bob, postThread.ID, "5000000000000000020", "+1", false)
	fake.MessageCreate(carol, postThread.ID, "5000000000000000021", "nice ablations", false)
	again := fake.ReactionAdd(alice, forumPost.ID, forumPost.ID, "👎")
	tally := func(paper, channel string) string {
		tl, err := db.Tally(ctx, paper, paperboy.ChannelKey("discord", channel))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("up %d down %d replies %d", tl.Up, tl.Down, tl.Replies)
	}
	waitFor(t, "the first votes", func() bool { return tally(ids[1], forum.ID) == "up 0 down 1 replies 0" })

	_, ready := fake.Connected()
	fake.DropConnection()
	fake.ReactionRemove(alice, forumPost.ID, forumPost.ID, "👎")
	fake.ReactionAdd(carol, forumPost.ID, forumPost.ID, "👍")
	<-ready
	fake.Redeliver(again) // alice's 👎 once more: must not come back
	fake.MessageCreate(bob, forumPost.ID, "5000000000000000022", "+1", false)

	waitFor(t, "the votes after the resume", func() bool { return tally(ids[1], forum.ID) == "up 2 down 0 replies 0" })
	b.Wait()
	if got, want := tally(ids[0], textChannel.ID), "up 2 down 0 replies 1"; got != want {
		t.Errorf("text channel post: %s, want %s", got, want)
	}
	if got, want := tally(ids[1], forum.ID), "up 2 down 0 replies 0"; got != want {
		t.Errorf("forum post: %s, want %s", got, want)
	}
}
