package discord

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

func TestPostInTextChannel(t *testing.T) {
	f := newOutFake(t)
	a := newOutAdapter(t, f, nil)
	ctx := context.Background()
	p := bot.Post{Paper: outPaper(), Reason: "cs.LG", Key: "pb-d1"}
	ref, err := a.Post(ctx, outTextID, p)
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages(outTextID)
	if len(msgs) != 1 || ref.MessageID != msgs[0].ID || ref.ThreadID != msgs[0].ID || msgs[0].ThreadID != ref.ThreadID {
		t.Fatalf("got ref %+v and messages %+v; want one message with its thread (thread id = message id)", ref, msgs)
	}
	if msgs[0].Nonce != "pb-d1" {
		t.Errorf("nonce = %q, want the key pb-d1", msgs[0].Nonce)
	}
	th := f.Threads(outTextID)
	if len(th) != 1 || th[0].Name != "Sparse *Mixture* of Experts @everyone" {
		t.Errorf("threads = %+v, want one named after the paper", th)
	}
	// A thread reply goes to the thread, which is a channel.
	id, err := a.Send(ctx, outTextID, bot.Message{ThreadID: ref.ThreadID, Text: "**Abstract.** We study experts.", Key: "pb-d1-abstract"})
	if err != nil {
		t.Fatal(err)
	}
	replies := f.Messages(ref.ThreadID)
	if len(replies) != 1 || replies[0].ID != id || replies[0].Content != "**Abstract.** We study experts.\n-# pb-d1-abstract" {
		t.Errorf("thread messages = %+v, want the abstract with its key line", replies)
	}
	// Votes change: the message is edited in place, the key kept.
	p.Tally = paperboy.Tally{Up: 2}
	if err := a.Edit(ctx, outTextID, ref, p); err != nil {
		t.Fatal(err)
	}
	m := f.Messages(outTextID)[0]
	if m.Edits != 1 || !strings.Contains(string(m.Embeds), `👍 2 · 👎 0`) || !strings.Contains(string(m.Embeds), "pb-d1") {
		t.Errorf("after edit: %d edits, embeds %s", m.Edits, m.Embeds)
	}
	// A digest is one message in the channel with a thread of its own (TestDigestThread).
	if _, err := a.Send(ctx, outTextID, bot.Message{Text: "**Digest: 2 new papers**\n- a\n- b", Key: "pb-g9"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages(outTextID)); n != 2 || len(f.Threads(outTextID)) != 2 {
		t.Errorf("got %d messages and %d threads after the digest, want 2 and 2", n, len(f.Threads(outTextID)))
	}
	if n := f.Calls("GET /channels/{id}"); n != 1 {
		t.Errorf("GET /channels/{id}: %d calls, want 1 (cached)", n)
	}
}

func TestPostInForumWithTags(t *testing.T) {
	f := newOutFake(t)
	a := newOutAdapter(t, f, nil)
	ctx := context.Background()
	p := bot.Post{Paper: outPaper(), Reason: "cs.LG · mixture of experts", Key: "pb-d2"}
	ref, err := a.Post(ctx, outForumID, p)
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Threads(outForumID)
	if len(posts) != 1 || ref.ThreadID != posts[0].ID || ref.MessageID != posts[0].ID {
		t.Fatalf("got ref %+v, forum posts %+v; want one post whose id is the ref's", ref, posts)
	}
	// cs.LG by category; cs.AI is moderated; "Mixture of Experts" from the reason.
	if got := strings.Join(posts[0].AppliedTags, ","); got != "701,703" {
		t.Errorf("applied tags = %s, want 701,703", got)
	}
	first := f.Messages(ref.ThreadID)
	if len(first) != 1 || !strings.Contains(string(first[0].Embeds), "pb-d2") || len(first[0].Components) == 0 {
		t.Fatalf("forum post messages = %+v, want the embed with buttons", first)
	}
	if _, err := a.Send(ctx, outForumID, bot.Message{ThreadID: ref.ThreadID, Text: "**Abstract.** x", Key: "pb-d2-abstract"}); err != nil {
		t.Fatal(err)
	}
	p.Tally = paperboy.Tally{Down: 1}
	if err := a.Edit(ctx, outForumID, ref, p); err != nil {
		t.Fatal(err)
	}
	if m := f.Messages(ref.ThreadID); len(m) != 2 || m[0].Edits != 1 {
		t.Errorf("forum post thread = %+v; want the edited first message and the abstract", m)
	}
	// A digest in a forum is a forum post of its own, named after its first line.
	id, err := a.Send(ctx, outForumID, bot.Message{Text: "**Digest: 3 new papers**\n- a", Key: "pb-g4"})
	if err != nil {
		t.Fatal(err)
	}
	posts = f.Threads(outForumID)
	if len(posts) != 2 || posts[1].ID != id || posts[1].Name != "Digest: 3 new papers" {
		t.Errorf("forum posts after the digest = %+v", posts)
	}
}

func TestRateLimited(t *testing.T) {
	for _, global := range []bool{false, true} {
		f := newOutFake(t)
		f.SetFaults(func(c discordfake.Call) discordfake.Fault {
			if c.Route == "POST /channels/{id}/messages" {
				return discordfake.Fault{Status: 429, RetryAfter: 7.25, Global: global}
			}
			return discordfake.Fault{}
		})
		a := newOutAdapter(t, f, nil)
		_, err := a.Post(context.Background(), outTextID, bot.Post{Paper: outPaper(), Key: "pb-d1"})
		se := bot.ClassifySend(err)
		if err == nil || se.Permanent || se.RetryAfter != 7250*time.Millisecond {
			t.Errorf("global=%v: got %v (retry after %s), want temporary with RetryAfter 7.25s", global, err, se.RetryAfter)
		}
		if n := f.Calls("POST /channels/{id}/messages"); n != 1 {
			t.Errorf("global=%v: %d calls, want 1 (discordgo must not retry on its own)", global, n)
		}
	}
}

func TestPermanentErrors(t *testing.T) {
	for name, c := range map[string]struct {
		fault     discordfake.Fault
		channel   string
		token     string
		permanent bool
		reason    string
	}{
		"missing access":      {fault: discordfake.Fault{Status: 403, Code: 50001, Message: "Missing Access"}, permanent: true, reason: "View Channel"},
		"missing permissions": {fault: discordfake.Fault{Status: 403, Code: 50013, Message: "Missing Permissions"}, permanent: true, reason: "Send Messages in Threads"},
		"unknown channel":     {channel: "199999999999999999", permanent: true, reason: "Unknown Channel (10003)"},
		"unauthorized":        {token: "other-token", permanent: true, reason: "then set discord.token"},
		"server error":        {fault: discordfake.Fault{Status: 502, Message: "Bad Gateway"}, reason: "http 502"},
		"lost answer":         {fault: discordfake.Fault{Lose: true}, reason: "network"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newOutFake(t)
			if c.token != "" {
				f.SetToken(c.token)
			}
			f.SetFaults(func(call discordfake.Call) discordfake.Fault {
				if call.Route == "POST /channels/{id}/messages" {
					return c.fault
				}
				return discordfake.Fault{}
			})
			a := newOutAdapter(t, f, nil)
			ch := outTextID
			if c.channel != "" {
				ch = c.channel
			}
			_, err := a.Post(context.Background(), ch, bot.Post{Paper: outPaper(), Key: "pb-d1"})
			se := bot.ClassifySend(err)
			if err == nil || se.Permanent != c.permanent || !strings.Contains(se.Reason+" "+err.Error(), c.reason) {
				t.Fatalf("got %v (permanent %v, reason %q); want permanent %v with a reason naming %q", err, se.Permanent, se.Reason, c.permanent, c.reason)
			}
			if name == "unauthorized" && se.Reason != bot.ReasonUnauthorized {
				t.Errorf("reason %q, want bot.ReasonUnauthorized (run stops on it)", se.Reason)
			}
			if strings.Contains(err.Error(), "fake-token") {
				t.Errorf("the error shows the token: %v", err)
			}
			if n := f.Calls("POST /channels/{id}/messages"); n > 1 {
				t.Errorf("%d calls, want at most 1 (no blind retry)", n)
			}
		})
	}
}

// TestNonceDedupesRetry: a post whose answer was lost, sent again within Discord's nonce
// window, returns the message created the first time.
func TestNonceDedupesRetry(t *testing.T) {
	f := newOutFake(t)
	var lost atomic.Bool
	f.SetFaults(func(c discordfake.Call) discordfake.Fault {
		if c.Route == "POST /channels/{id}/messages" && lost.CompareAndSwap(false, true) {
			return discordfake.Fault{Lose: true}
		}
		return discordfake.Fault{}
	})
	a := newOutAdapter(t, f, nil)
	ctx := context.Background()
	if _, err := a.Send(ctx, outTextID, bot.Message{Text: "hello", Key: "pb-g1"}); err == nil || bot.ClassifySend(err).Permanent {
		t.Fatalf("lost answer: got %v, want a temporary error", err)
	}
	id, err := a.Send(ctx, outTextID, bot.Message{Text: "hello", Key: "pb-g1"})
	if err != nil {
		t.Fatal(err)
	}
	if ms := f.Messages(outTextID); len(ms) != 1 || ms[0].ID != id {
		t.Errorf("got %d messages, want the first one returned again", len(ms))
	}
}

// TestLostAnswerFound: for every message kind, in a text channel and a forum, the call
// reaches Discord but its answer is lost, the nonce window has passed, and a new adapter
// (a restarted process) finds the message by its key, with the right ids.
func TestLostAnswerFound(t *testing.T) {
	type kind struct {
		name, channel, key string
		send               func(a *Adapter, thread string) error
	}
	post := func(ch string) func(*Adapter, string) error {
		return func(a *Adapter, _ string) error {
			_, err := a.Post(context.Background(), ch, bot.Post{Paper: outPaper(), Key: "pb-d5"})
			return err
		}
	}
	msg := func(ch, key string, inThread bool) func(*Adapter, string) error {
		return func(a *Adapter, thread string) error {
			m := bot.Message{Text: "some text " + key, Key: key}
			if strings.HasPrefix(key, "pb-g7") {
				m.Text = "**Digest**\n" + strings.Repeat("- [A paper](https://arxiv.org/abs/2611.00001) — a line about it\n", 80)
			}
			if inThread {
				m.ThreadID = thread
			}
			_, err := a.Send(context.Background(), ch, m)
			return err
		}
	}
	var kinds []kind
	for _, ch := range []string{outTextID, outForumID} {
		kinds = append(kinds,
			kind{"post", ch, "pb-d5", post(ch)},
			kind{"reply", ch, "pb-d4-abstract", msg(ch, "pb-d4-abstract", true)},
			kind{"summary", ch, "pb-d4-summary", msg(ch, "pb-d4-summary", true)},
			kind{"digest", ch, "pb-g6", msg(ch, "pb-g6", false)},
			kind{"long digest", ch, "pb-g7", msg(ch, "pb-g7", false)})
	}
	for _, k := range kinds {
		t.Run(k.channel+"/"+k.name, func(t *testing.T) {
			f := newOutFake(t)
			c := bottest.NewClock(outStart)
			f.SetNow(c.Now)
			ctx := context.Background()
			// An earlier post with its thread, and noise in the channel.
			earlier, err := newOutAdapter(t, f, c.Now).Post(ctx, k.channel, bot.Post{Paper: outPaper(), Key: "pb-d4"})
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Minute)
			since := c.Now()
			c.Advance(time.Minute)
			var lost atomic.Int32
			f.SetFaults(func(call discordfake.Call) discordfake.Fault {
				if call.Method == "POST" && !strings.HasSuffix(call.Route, "/threads") {
					lost.Add(1)
					return discordfake.Fault{Lose: true}
				}
				if call.Route == "POST /channels/{id}/threads" {
					lost.Add(1)
					return discordfake.Fault{Lose: true}
				}
				return discordfake.Fault{}
			})
			if err := k.send(newOutAdapter(t, f, c.Now), earlier.ThreadID); err == nil || lost.Load() != 1 {
				t.Fatalf("send with a lost answer: err %v after %d lost calls; want an error after 1", err, lost.Load())
			}
			f.SetFaults(nil)
			c.Advance(10 * time.Minute) // past the nonce window
			thread := ""
			if k.name == "reply" || k.name == "summary" {
				thread = earlier.ThreadID
			}
			a2 := newOutAdapter(t, f, c.Now)
			ref, found, err := a2.FindMessage(ctx, k.channel, thread, k.key, since)
			if err != nil || !found {
				t.Fatalf("FindMessage(%s) = %v, %v; want found", k.key, found, err)
			}
			if _, found, _ := a2.FindMessage(ctx, k.channel, thread, k.key+"0", since); found {
				t.Errorf("FindMessage found a key never sent")
			}
			switch {
			case k.name == "post" && k.channel == outTextID:
				// The thread was never started (the lost answer stopped Post): the lookup starts it.
				if ref.ThreadID != ref.MessageID || len(f.Threads(outTextID)) != 2 {
					t.Errorf("found post %+v, threads %d: want its thread started", ref, len(f.Threads(outTextID)))
				}
			case strings.Contains(k.name, "digest") && k.channel == outTextID:
				// The digest's thread was never started (the lost answer stopped Send): the
				// lookup starts it, named after the digest's date (a long one has embeds too).
				th := f.Threads(outTextID)
				if ref.ThreadID != ref.MessageID || len(th) != 2 || th[1].Name != "Digest · 2026-11-25" {
					t.Errorf("found digest %+v, threads %+v: want its thread \"Digest · 2026-11-25\" started", ref, th)
				}
			case k.channel == outForumID && thread == "":
				if ref.ThreadID == "" || ref.ThreadID != ref.MessageID {
					t.Errorf("found forum post %+v, want thread id = message id", ref)
				}
			case thread != "":
				if ref.ThreadID != thread {
					t.Errorf("found reply %+v, want in thread %s", ref, thread)
				}
			}
		})
	}
}

// TestFindInArchivedForumPost: a forum post archived since is found among the forum's
// archived threads; one archived before the lookup's start is not read.
func TestFindInArchivedForumPost(t *testing.T) {
	f := newOutFake(t)
	c := bottest.NewClock(outStart)
	f.SetNow(c.Now)
	a := newOutAdapter(t, f, c.Now)
	ctx := context.Background()
	ref, err := a.Post(ctx, outForumID, bot.Post{Paper: outPaper(), Key: "pb-d8"})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * 24 * time.Hour)
	f.ArchiveThread(ref.ThreadID)
	got, found, err := newOutAdapter(t, f, c.Now).FindMessage(ctx, outForumID, "", "pb-d8", outStart.Add(-time.Minute))
	if err != nil || !found || got.ThreadID != ref.ThreadID {
		t.Fatalf("FindMessage in an archived post = %+v, %v, %v; want %+v", got, found, err, ref)
	}
	if f.Calls("GET /channels/{id}/threads/archived/public") == 0 {
		t.Error("archived threads were not listed")
	}
	// Sending in the archived thread reopens it (Discord does).
	if _, err := a.Send(ctx, outForumID, bot.Message{ThreadID: ref.ThreadID, Text: "late summary", Key: "pb-d8-summary"}); err != nil {
		t.Fatal(err)
	}
	if th := f.Threads(outForumID); th[0].Archived {
		t.Error("the thread stayed archived after a message")
	}
}

// TestForumRequiresTag: a forum that requires a tag none of which matches fails
// permanently, with the fix in the reason.
func TestForumRequiresTag(t *testing.T) {
	f := newOutFake(t)
	f.AddChannel(discordfake.Channel{ID: "100000000000000030", GuildID: outGuildID, Type: discordfake.TypeForum, RequireTag: true,
		Tags: []discordfake.Tag{{ID: "801", Name: "biology"}}})
	_, err := newOutAdapter(t, f, nil).Post(context.Background(), "100000000000000030", bot.Post{Paper: outPaper(), Key: "pb-d1"})
	se := bot.ClassifySend(err)
	if err == nil || !se.Permanent || !strings.Contains(se.Reason, "Require Tags") {
		t.Errorf("got %v (%q), want a permanent error naming the fix", err, se.Reason)
	}
}

// TestOversizedPostAccepted: the fake checks every limit as Discord does; the oversized
// paper posts, its reply and a long digest go through without a failed call.
func TestOversizedPostAccepted(t *testing.T) {
	f := newOutFake(t)
	a := newOutAdapter(t, f, nil)
	ctx := context.Background()
	post := oversized()
	for _, ch := range []string{outTextID, outForumID} {
		ref, err := a.Post(ctx, ch, post)
		if err != nil {
			t.Fatalf("%s: post: %v", ch, err)
		}
		if _, err := a.Send(ctx, ch, bot.Message{ThreadID: ref.ThreadID, Text: post.Summary, Key: "pb-d1-abstract"}); err != nil {
			t.Fatalf("%s: reply: %v", ch, err)
		}
		if _, err := a.Send(ctx, ch, bot.Message{Text: post.Summary, Key: "pb-g1"}); err != nil {
			t.Fatalf("%s: digest: %v", ch, err)
		}
	}
	var se *bot.SendError
	if err := a.Edit(ctx, outTextID, bot.PostRef{MessageID: f.Messages(outTextID)[0].ID}, post); errors.As(err, &se) || err != nil {
		t.Fatalf("edit: %v", err)
	}
	var embeds []map[string]any
	_ = json.Unmarshal(f.Messages(outTextID)[0].Embeds, &embeds)
	if len(embeds) != 1 {
		t.Errorf("stored embeds = %d, want 1", len(embeds))
	}
}

// TestEventChannel: events in a post's thread (text channel) or in a forum post belong to
// the parent channel's post; events in the channel itself stay there.
func TestEventChannel(t *testing.T) {
	f := newOutFake(t)
	a := newOutAdapter(t, f, nil)
	ctx := context.Background()
	textPost, err := a.Post(ctx, outTextID, bot.Post{Paper: outPaper(), Key: "pb-d1"})
	if err != nil {
		t.Fatal(err)
	}
	forumPost, err := a.Post(ctx, outForumID, bot.Post{Paper: outPaper(), Key: "pb-d2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, channel, thread string }{
		{outTextID, outTextID, ""},
		{textPost.ThreadID, outTextID, textPost.ThreadID},
		{forumPost.ThreadID, outForumID, forumPost.ThreadID},
	} {
		info, ok := a.threadInfo(ctx, c.in)
		ch, th := c.in, ""
		if info.thread {
			ch, th = info.parent, c.in
		}
		if !ok || ch != c.channel || th != c.thread {
			t.Errorf("threadInfo(%s) = %+v, %v; want channel %s, thread %s", c.in, info, ok, c.channel, c.thread)
		}
	}
}

// TestDigestThread: in a text channel a digest is one message with a thread named after
// its date; starting it again (a retry whose thread exists, Discord's 160004) is fine and
// makes no second one. In a forum the digest is its own forum post, with no extra thread.
func TestDigestThread(t *testing.T) {
	f := newOutFake(t)
	c := bottest.NewClock(outStart)
	f.SetNow(c.Now)
	ctx := context.Background()
	a := newOutAdapter(t, f, c.Now)
	text := "**Digest: 2 new papers**\n- [A](https://arxiv.org/abs/2611.00001)\n- [B](https://arxiv.org/abs/2611.00002)"
	id, err := a.Send(ctx, outTextID, bot.Message{Text: text, Key: "pb-g3"})
	if err != nil {
		t.Fatal(err)
	}
	th := f.Threads(outTextID)
	if len(th) != 1 || th[0].ID != id || th[0].Name != "Digest · 2026-11-25" {
		t.Fatalf("threads after a digest: %+v, want one named \"Digest · 2026-11-25\" on message %s", th, id)
	}
	if ms := f.Messages(outTextID); len(ms) != 1 || ms[0].ThreadID != id {
		t.Errorf("channel messages %+v, want the digest alone with its thread", ms)
	}
	// A restarted process finds the digest by its key: the thread exists (160004), no error.
	ref, found, err := newOutAdapter(t, f, c.Now).FindMessage(ctx, outTextID, "", "pb-g3", outStart.Add(-time.Minute))
	if err != nil || !found || ref.MessageID != id || ref.ThreadID != id {
		t.Errorf("FindMessage(pb-g3) = %+v, %v, %v; want message and thread %s", ref, found, err, id)
	}
	if _, err := a.startThread(ctx, outTextID, id, "Digest · 2026-11-25"); err != nil {
		t.Errorf("starting the digest's thread again: %v, want nil (it exists)", err)
	}
	if n := len(f.Threads(outTextID)); n != 1 {
		t.Errorf("%d threads, want 1", n)
	}
	// A notice (no key) and a thread reply get no thread.
	if _, err := a.Send(ctx, outTextID, bot.Message{Text: "Subscribed."}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, outTextID, bot.Message{Text: "in the thread", ThreadID: id, Key: "pb-g4"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Threads(outTextID)); n != 1 {
		t.Errorf("%d threads after a notice and a thread message, want 1", n)
	}
	// In a forum the digest is a forum post named after its first line.
	fid, err := a.Send(ctx, outForumID, bot.Message{Text: text, Key: "pb-g5"})
	if err != nil {
		t.Fatal(err)
	}
	if th := f.Threads(outForumID); len(th) != 1 || th[0].ID != fid || th[0].Name != "Digest: 2 new papers" {
		t.Errorf("forum threads %+v, want one post \"Digest: 2 new papers\"", th)
	}
}
