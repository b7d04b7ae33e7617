package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/discord"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

// Discord channels and users of the end-to-end test.
var (
	e2eText  = discordfake.Channel{ID: "4000000000000000001", Name: "papers", Type: discordfake.TypeText}
	e2eForum = discordfake.Channel{ID: "4000000000000000002", Name: "paper-forum", Type: discordfake.TypeForum,
		Tags: []discordfake.Tag{{ID: "801", Name: "cs.LG"}, {ID: "802", Name: "cs.CV"}, {ID: "803", Name: "cs.DB"},
			{ID: "804", Name: "cs.AI", Moderated: true}, {ID: "805", Name: "Graph Databases"}, {ID: "806", Name: "diffusion"}}}
	e2eAdmin = discordfake.User{ID: "5000000000000000001", Username: "root", Permissions: "32"} // Manage Server
	e2eAlice = discordfake.User{ID: "5000000000000000002", Username: "alice", Permissions: "68608"}
	e2eBob   = discordfake.User{ID: "5000000000000000003", Username: "bob", Permissions: "68608"}
	e2eCarol = discordfake.User{ID: "5000000000000000004", Username: "carol", Permissions: "68608"}
)

// discordConfig is the [discord] section pointing at the fake.
func discordConfig(fake *discordfake.Server) string {
	return fmt.Sprintf("[discord]\ntoken = %q\napplication_id = %q\napi_url = %q\n", discordfake.Token, discordfake.ApplicationID, fake.APIURL())
}

// answer is what the fake received as the answer to an interaction: the initial callback
// (type 4 message, 5 deferred, 7 update) and, after a deferral, the follow-up's content.
type answer struct {
	typ     int
	content string
	flags   int
}

// interact dispatches an interaction through the fake Gateway and waits for its answer
// (the callback, and the follow-up of a deferred one).
func interact(t *testing.T, fake *discordfake.Server, typ int, ch discordfake.Channel, u discordfake.User, data, message map[string]any) answer {
	t.Helper()
	id, _ := fake.Interaction(typ, ch, u, data, message)
	deadline := time.After(15 * time.Second)
	var a answer
	for {
		cbs, changed := fake.Callbacks()
		for _, cb := range cbs {
			if cb.InteractionID != id {
				continue
			}
			var d struct {
				Content string `json:"content"`
				Flags   int    `json:"flags"`
			}
			_ = json.Unmarshal(cb.Data, &d)
			a = answer{typ: cb.Type, content: d.Content, flags: d.Flags}
		}
		if a.typ != 0 && a.typ != 5 {
			return a
		}
		if a.typ == 5 {
			whs, _ := fake.Webhooks()
			for _, wh := range whs {
				var d struct {
					Content string `json:"content"`
					Flags   int    `json:"flags"`
				}
				if wh.InteractionID == id && json.Unmarshal(wh.Body, &d) == nil && d.Content != "" {
					return answer{typ: 5, content: d.Content, flags: d.Flags}
				}
			}
		}
		select {
		case <-changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("interaction %v in %s: no answer (got %+v)", data, ch.Name, a)
		}
	}
}

// papers runs /papers <sub> with string options (name, value, name, value ...).
func papers(t *testing.T, fake *discordfake.Server, ch discordfake.Channel, u discordfake.User, sub string, opts ...string) answer {
	t.Helper()
	o := discordfake.Option{Name: sub, Type: 1}
	for i := 0; i+1 < len(opts); i += 2 {
		o.Options = append(o.Options, discordfake.Option{Name: opts[i], Type: 3, Value: opts[i+1]})
	}
	return interact(t, fake, 2, ch, u, discordfake.CommandData(discord.CommandName, o), nil)
}

// waitUntil polls cond (a hang guard, not a timing assertion).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlackAndDiscordEndToEnd: one `paperboy run` on one database serves the Slack fake
// (Socket Mode) and the Discord fake (Gateway) at once. Subscriptions come in as a
// Slack slash command and as /papers interactions in a Discord text channel and a forum
// with tags; an `import --announce` posts Block Kit on Slack, embeds with a thread
// holding the abstract in the text channel, and tagged forum posts; votes on both
// platforms (reactions, buttons) count per channel, `top` shows each channel's own, and
// `status` counts deliveries per platform.
func TestSlackAndDiscordEndToEnd(t *testing.T) {
	t.Parallel()
	sfake := slackfake.New(t)
	dfake := discordfake.New(t)
	dfake.AddChannel(e2eText)
	dfake.AddChannel(e2eForum)
	// Subscriptions are for admins: Slack's U1 by bot.admins, Discord's by Manage Server.
	db, _ := runConfig(t, func(db string) string {
		return fmt.Sprintf("db = %q\n[bot]\nbackfill = 0\nsubscribe_policy = \"admins\"\nadmins = [\"slack:U1\"]\n"+
			"[slack]\nbot_token = %q\napi_url = %q\napp_token = %q\nmode = \"socket\"\n%s",
			db, sfake.BotToken, sfake.URL, sfake.AppToken, discordConfig(dfake))
	})
	cfg := filepath.Join(filepath.Dir(db), "paperboy.toml")
	sfake.WaitConnected(t, 10*time.Second)
	waitUntil(t, "the Discord session", func() bool { ok, _ := dfake.Connected(); return ok })
	waitUntil(t, "/papers registered", func() bool { return len(dfake.Commands("")) == 1 })

	if ack := command(t, sfake, "U1", "C1", "subscribe cat:cs.LG diffusion"); !strings.HasPrefix(fmt.Sprint(ack["text"]), "Subscribed #C1") {
		t.Fatalf("slack subscribe ack = %v", ack)
	}
	// Subscribing is for admins: alice (no Manage Server) is refused, nothing changes.
	if a := papers(t, dfake, e2eText, e2eAlice, "subscribe", "filter", "cat:cs.LG"); !strings.HasPrefix(a.content, "Only admins can change") || a.flags&64 == 0 {
		t.Errorf("non-admin subscribe answered %+v, want an ephemeral refusal", a)
	}
	for _, s := range []struct {
		ch     discordfake.Channel
		filter string
	}{{e2eText, "cat:cs.LG"}, {e2eForum, "cat:cs.LG diffusion"}, {e2eForum, "graph databases"}} {
		if a := papers(t, dfake, s.ch, e2eAdmin, "subscribe", "filter", s.filter); !strings.Contains(a.content, "Subscribed") {
			t.Fatalf("discord subscribe in %s = %+v, want a confirmation", s.ch.Name, a)
		}
	}

	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}

	// Slack: the cs.LG paper once, Block Kit, with the abstract in its thread.
	sposts := sfake.WaitPosts(t, 2, 20*time.Second)
	if sposts[0].Channel != "C1" || sposts[0].ThreadTS != "" || !strings.Contains(string(sposts[0].Blocks), `"action_id":"upvote","value":"2411.00001"`) ||
		!strings.Contains(string(sposts[0].Blocks), "Faster Diffusion Sampling with Learned Step Schedules") {
		t.Errorf("slack post = %+v, want the paper's Block Kit in C1", sposts[0])
	}
	if sposts[1].ThreadTS != sposts[0].TS || !strings.HasPrefix(sposts[1].Text, "*Abstract.* We propose StepSched") {
		t.Errorf("slack thread reply = %+v, want the abstract in the post's thread", sposts[1])
	}

	// Discord text channel: one embed message with its thread; the abstract in the thread.
	waitUntil(t, "the Discord posts", func() bool {
		th := dfake.Threads(e2eText.ID)
		fth := dfake.Threads(e2eForum.ID)
		return len(th) == 1 && len(dfake.Messages(th[0].ID)) == 1 && len(fth) == 2 &&
			len(dfake.Messages(fth[0].ID)) == 2 && len(dfake.Messages(fth[1].ID)) == 2
	})
	time.Sleep(500 * time.Millisecond) // a duplicate or a stray post would show up now
	msgs := dfake.Messages(e2eText.ID)
	if len(msgs) != 1 {
		t.Fatalf("text channel messages: %d, want 1 (the cs.LG paper)\n%s", len(msgs), dfake)
	}
	post := msgs[0]
	const embed = `[{"type":"rich","url":"https://arxiv.org/abs/2411.00001","title":"Faster Diffusion Sampling with Learned Step Schedules",
	 "description":"We propose StepSched, a learned step schedule for diffusion models that halves sampling cost.","color":11737883,
	 "footer":{"text":"Posted for cs.LG papers · pb-d2"},
	 "fields":[{"name":"Authors","value":"Ann Author, Bob Builder, Carla Coder"},
	  {"name":"Categories","value":"` + "`cs.LG` `cs.CV`" + `","inline":true},{"name":"Published","value":"2026-11-23","inline":true},
	  {"name":"Votes","value":"No votes yet: react 👍 / 👎, use the buttons, or reply +1 in the thread"}]}]`
	jsonEqual(t, "discord embed", post.Embeds, embed)
	const buttons = `[{"type":1,"components":[
	 {"type":2,"label":"Upvote","style":3,"disabled":false,"emoji":{"name":"👍"},"custom_id":"upvote:2411.00001"},
	 {"type":2,"label":"Read later","style":2,"disabled":false,"emoji":{"name":"🔖"},"custom_id":"read_later:2411.00001"},
	 {"type":2,"label":"Not relevant","style":2,"disabled":false,"emoji":{"name":"🙈"},"custom_id":"not_relevant:2411.00001"}]}]`
	jsonEqual(t, "discord buttons", post.Components, buttons)
	th := dfake.Threads(e2eText.ID)[0]
	if th.ID != post.ID || post.ThreadID != th.ID || th.Name != "Faster Diffusion Sampling with Learned Step Schedules" {
		t.Errorf("thread %+v on message %s, want one named after the paper, started from the post", th, post.ID)
	}
	if r := dfake.Messages(th.ID); len(r) != 1 || r[0].Content != "**Abstract.** We propose StepSched, a learned step schedule for diffusion models that halves sampling cost.\n[PDF](https://arxiv.org/pdf/2411.00001)\n-# pb-d2-abstract" {
		t.Errorf("thread messages %+v, want the abstract with its key", r)
	}

	// Discord forum: a post per paper, tagged with the forum's tags named after its
	// categories, then after words of its subscription (never the moderated cs.AI).
	forumPosts := map[string]discordfake.Channel{}
	for _, fp := range dfake.Threads(e2eForum.ID) {
		forumPosts[fp.Name] = fp
		first := dfake.Messages(fp.ID)
		if first[0].ID != fp.ID || !strings.Contains(string(first[0].Embeds), fp.Name) || !strings.HasPrefix(first[1].Content, "**Abstract.** ") {
			t.Errorf("forum post %q: messages %+v, want the embed first, then the abstract", fp.Name, first)
		}
	}
	for name, tags := range map[string]string{
		"Faster Diffusion Sampling with Learned Step Schedules": "[801 802 806]",
		"A Survey of Graph Databases":                           "[803 805]",
	} {
		fp, ok := forumPosts[name]
		if !ok || fmt.Sprint(fp.AppliedTags) != tags {
			t.Errorf("forum post %q = %+v (found %v), want applied tags %s", name, fp, ok, tags)
		}
	}
	diffusionPost, graphPost := forumPosts["Faster Diffusion Sampling with Learned Step Schedules"], forumPosts["A Survey of Graph Databases"]

	// Votes. Slack: a reaction and a button. Discord text channel: a reaction, a button and
	// a 👎; the bot's own reaction is no vote. Forum: 👍 on the diffusion paper, two on the
	// survey.
	event(t, sfake, "events_api", slackfake.EventCallback("EvR1", slackfake.Reaction("reaction_added", "U2", "C1", sposts[0].TS, "+1")), 0)
	event(t, sfake, "interactive", slackfake.BlockAction("U3", "C1", sposts[0].TS, "upvote", "2411.00001", sfake.ResponseURL("b")), 0)
	dfake.ReactionAdd(e2eAlice, e2eText.ID, post.ID, "👍")
	dfake.ReactionAdd(discordfake.User{ID: discordfake.BotUserID}, e2eText.ID, post.ID, "👍")
	dfake.ReactionAdd(e2eCarol, e2eText.ID, post.ID, "👎")
	if a := interact(t, dfake, 3, e2eText, e2eBob, discordfake.ButtonData("upvote:2411.00001"), map[string]any{"id": post.ID, "channel_id": e2eText.ID}); a.typ == 0 {
		t.Errorf("button answer %+v", a)
	}
	dfake.ReactionAdd(e2eAlice, diffusionPost.ID, diffusionPost.ID, "👍")
	dfake.ReactionAdd(e2eBob, graphPost.ID, graphPost.ID, "👍")
	dfake.ReactionAdd(e2eCarol, graphPost.ID, graphPost.ID, "👍🏽")

	// The counts on the posts are edited (throttled) to each channel's own tally.
	waitUntil(t, "the Discord text post's count", func() bool {
		return strings.Contains(string(dfake.Messages(e2eText.ID)[0].Embeds), `{"name":"Votes","value":"👍 2 · 👎 1"}`)
	})
	waitUntil(t, "the forum survey's count", func() bool {
		return strings.Contains(string(dfake.Messages(graphPost.ID)[0].Embeds), `👍 2 · 👎 0`)
	})
	if !sfake.Wait(10*time.Second, func(s *slackfake.Server) bool {
		return strings.Contains(string(s.Posts()[0].Blocks), `:+1: 2 · :-1: 0`)
	}) {
		t.Errorf("slack post blocks %s, want the tally 2/0", sfake.Posts()[0].Blocks)
	}

	// top per channel: each sees its own votes and papers, nothing of the others'.
	stop := fmt.Sprint(command(t, sfake, "U1", "C1", "top week")["text"])
	if !strings.Contains(stop, "Faster Diffusion Sampling") || !strings.Contains(stop, "▲2 ▼0") || strings.Contains(stop, "Graph Databases") {
		t.Errorf("slack top = %q, want the diffusion paper with ▲2 ▼0 alone", stop)
	}
	ttop := papers(t, dfake, e2eText, e2eAlice, "top", "period", "week").content
	if !strings.Contains(ttop, "Faster Diffusion Sampling") || !strings.Contains(ttop, "▲2 ▼1") || strings.Contains(ttop, "Graph Databases") {
		t.Errorf("discord text channel top = %q, want the diffusion paper with ▲2 ▼1 alone", ttop)
	}
	ftop := papers(t, dfake, e2eForum, e2eAlice, "top", "period", "week").content
	gi, di := strings.Index(ftop, "Graph Databases"), strings.Index(ftop, "Faster Diffusion Sampling")
	if gi < 0 || di < 0 || gi > di || !strings.Contains(ftop, "▲2 ▼0") || !strings.Contains(ftop, "▲1 ▼0") || strings.Contains(ftop, "▼1") {
		t.Errorf("discord forum top = %q, want the survey (▲2 ▼0) before the diffusion paper (▲1 ▼0)", ftop)
	}

	// status per platform, from the command line and from each platform.
	status, errOut, err := runMain(t, "", "status", "--config", cfg)
	if err != nil {
		t.Fatalf("status: %v %s", err, errOut)
	}
	for _, want := range []string{
		"outbox     0 pending, 0 sending, 4 sent, 0 failed, 0 skipped\n",
		"  discord  0 pending, 0 sending, 3 sent, 0 failed, 0 skipped\n",
		"  slack    0 pending, 0 sending, 1 sent, 0 failed, 0 skipped\n",
		"platforms  slack, discord ",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	dstatus := papers(t, dfake, e2eForum, e2eAlice, "status").content
	for _, want := range []string{
		"**Deliveries**: 0 pending, 0 sending, 2 sent, 0 failed, 0 skipped; 2 subscriptions here.",
		"Platforms served: slack, discord",
		"Deliveries on slack: 0 pending, 0 sending, 1 sent, 0 failed, 0 skipped",
	} {
		if !strings.Contains(dstatus, want) {
			t.Errorf("discord /papers status lacks %q:\n%s", want, dstatus)
		}
	}
	sstatus := fmt.Sprint(command(t, sfake, "U1", "C1", "status")["text"])
	for _, want := range []string{
		"0 pending, 0 sending, 1 sent, 0 failed, 0 skipped; 1 subscription here.",
		"Deliveries on discord: 0 pending, 0 sending, 3 sent, 0 failed, 0 skipped",
	} {
		if !strings.Contains(sstatus, want) {
			t.Errorf("slack /papers status lacks %q:\n%s", want, sstatus)
		}
	}
	if n := len(sfake.Posts()); n != 2 {
		t.Errorf("slack got %d messages, want 2 (the post and its thread reply)", n)
	}
}
