package discord

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

// waitCallback waits for the initial response to interaction id.
func waitCallback(t *testing.T, fake *discordfake.Server, id string) discordfake.Callback {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		cbs, changed := fake.Callbacks()
		for _, cb := range cbs {
			if cb.InteractionID == id {
				return cb
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no callback for interaction %s", id)
		}
	}
}

// waitWebhooks waits for n follow-ups or edits of interaction id.
func waitWebhooks(t *testing.T, fake *discordfake.Server, id string, n int) []discordfake.Webhook {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		whs, changed := fake.Webhooks()
		var out []discordfake.Webhook
		for _, w := range whs {
			if w.InteractionID == id {
				out = append(out, w)
			}
		}
		if len(out) >= n {
			return out
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("got %d webhook calls for interaction %s, want %d", len(out), id, n)
		}
	}
}

// message is the part of an interaction message the tests read.
type message struct {
	Content    string `json:"content"`
	Flags      int    `json:"flags"`
	Components []struct {
		Components []struct {
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	} `json:"components"`
	Choices []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"choices"`
	AllowedMentions *struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

func decode(t *testing.T, raw json.RawMessage) message {
	t.Helper()
	var m message
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return m
}

func sub(name string, opts ...discordfake.Option) map[string]any {
	return discordfake.CommandData("papers", discordfake.Option{Name: name, Type: 1, Options: opts})
}

func str(name, v string) discordfake.Option { return discordfake.Option{Name: name, Type: 3, Value: v} }

// TestCommandAnswers runs /papers over the Gateway: the command text the core gets, and
// the initial response: ephemeral by default with share buttons, public when the core
// says so, a clear answer in DMs.
func TestCommandAnswers(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	papers := []*paperboy.Paper{{ID: "2401.01234", Title: "Mixture of Experts"}, {ID: "2402.00001", Title: "Speculative Decoding"}}
	rec.reply = func(_ context.Context, c bot.Command) bot.Reply {
		switch {
		case strings.HasPrefix(c.Text, "search"):
			return bot.Reply{Text: "2 papers @everyone", Papers: papers}
		case strings.HasPrefix(c.Text, "subscribe"):
			return bot.Reply{Text: "Subscribed", InChannel: true}
		}
		return bot.Reply{Text: "ok"}
	}
	start(t, fake, rec)

	id, _ := fake.Interaction(2, textChannel, alice, sub("search", str("query", "mixture  of experts"),
		str("author", `Tri "Dao" cat:math`), str("sort", "new")), nil)
	cb := waitCallback(t, fake, id)
	m := decode(t, cb.Data)
	if cb.Type != 4 || m.Flags != 64 || m.Content != "2 papers @everyone" {
		t.Errorf("search answer: type %d flags %d content %q, want type 4, flags 64 (ephemeral)", cb.Type, m.Flags, m.Content)
	}
	if m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions = %+v, want parse [] (no pings)", m.AllowedMentions)
	}
	var buttons []string
	for _, row := range m.Components {
		for _, b := range row.Components {
			buttons = append(buttons, b.CustomID+"="+b.Label)
		}
	}
	wantButtons := "share:2401.01234=Share 1 in channel: Mixture of Experts,share:2402.00001=Share 2 in channel: Speculative Decoding"
	if strings.Join(buttons, ",") != wantButtons {
		t.Errorf("buttons = %v, want %s", buttons, wantButtons)
	}

	id, _ = fake.Interaction(2, postThread, admin, sub("subscribe", str("filter", "cat:cs.LG moe"),
		str("digest", "daily@09:00"), discordfake.Option{Name: "cap", Type: 4, Value: 5}), nil)
	cb = waitCallback(t, fake, id)
	if m := decode(t, cb.Data); cb.Type != 4 || m.Flags != 0 || m.Content != "Subscribed" {
		t.Errorf("subscribe answer: type %d flags %d content %q, want a public type 4", cb.Type, m.Flags, m.Content)
	}

	dm := discordfake.User{ID: alice.ID, Username: alice.Username, DM: true}
	id, _ = fake.Interaction(2, discordfake.Channel{ID: "2999999999999999999", Type: 1}, dm, sub("status"), nil)
	cb = waitCallback(t, fake, id)
	if m := decode(t, cb.Data); cb.Type != 4 || m.Flags != 64 || !strings.Contains(m.Content, "server channels") {
		t.Errorf("DM answer: type %d flags %d content %q, want an ephemeral explanation", cb.Type, m.Flags, m.Content)
	}

	cmds, _ := rec.Commands()
	if len(cmds) != 2 {
		t.Fatalf("commands = %d, want 2 (none from the DM)", len(cmds))
	}
	if want := `search mixture of experts author:"Tri Dao cat:math" sort:new`; cmds[0].Text != want {
		t.Errorf("text = %q, want %q", cmds[0].Text, want)
	}
	if cmds[0].IsAdmin || cmds[0].User != alice.ID || cmds[0].UserName != "alice" || cmds[0].Channel != textChannel.ID || cmds[0].Platform != "discord" {
		t.Errorf("command = %+v, want alice, not admin, in the text channel", cmds[0])
	}
	// Used in a post's thread: the command belongs to the channel; Manage Server is admin.
	if want := "subscribe cat:cs.LG moe digest:daily@09:00 cap:5"; cmds[1].Text != want {
		t.Errorf("text = %q, want %q", cmds[1].Text, want)
	}
	if !cmds[1].IsAdmin || cmds[1].Channel != textChannel.ID {
		t.Errorf("command = %+v, want admin in the text channel", cmds[1])
	}
}

// TestCommandDeferred checks slow work: "thinking…" (type 5, ephemeral) first, then the
// answer replaces it through the interaction webhook; an answer for everyone is a public
// follow-up; a handler that overruns the budget is deferred by the adapter.
func TestCommandDeferred(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	release := make(chan struct{})
	rec.reply = func(ctx context.Context, c bot.Command) bot.Reply {
		switch c.Text {
		case "add 2401.01234": // the core defers and answers later
			go func() {
				<-release
				_ = c.Respond(context.Background(), bot.Reply{Text: "Queued the paper", InChannel: true})
			}()
			return bot.Reply{Deferred: true, Text: "Working on add…"}
		case "summary 2401.01234": // the handler itself overruns
			<-release
			return bot.Reply{Text: "A short summary"}
		}
		return bot.Reply{Text: "?"}
	}
	r := start(t, fake, rec)
	r.a.in.ackBudget = 50 * time.Millisecond

	addID, _ := fake.Interaction(2, textChannel, alice, sub("add", str("paper", "2401.01234")), nil)
	sumID, _ := fake.Interaction(2, textChannel, alice, sub("summary", str("paper", "2401.01234")), nil)
	for _, id := range []string{addID, sumID} {
		cb := waitCallback(t, fake, id)
		if m := decode(t, cb.Data); cb.Type != 5 || m.Flags != 64 {
			t.Errorf("initial response: type %d flags %d, want 5 (deferred), 64", cb.Type, m.Flags)
		}
	}
	close(release)

	whs := waitWebhooks(t, fake, addID, 2)
	if whs[0].Method != "POST" || decode(t, whs[0].Body).Flags != 0 || decode(t, whs[0].Body).Content != "Queued the paper" {
		t.Errorf("first call = %s %s, want a public follow-up with the answer", whs[0].Method, whs[0].Body)
	}
	if whs[1].Method != "PATCH" || !strings.Contains(decode(t, whs[1].Body).Content, "posted in the channel") {
		t.Errorf("second call = %s %s, want the thinking message edited to point to it", whs[1].Method, whs[1].Body)
	}
	whs = waitWebhooks(t, fake, sumID, 1)
	if whs[0].Method != "PATCH" || decode(t, whs[0].Body).Content != "A short summary" {
		t.Errorf("late answer = %s %s, want @original edited with the answer", whs[0].Method, whs[0].Body)
	}
}

// TestButtonClick checks a click: acknowledged at once with a deferred update (type 6),
// delivered as a bot event on the post (a forum post's starter message counts for the
// forum), answered ephemerally by a follow-up.
func TestButtonClick(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	start(t, fake, rec)
	id, _ := fake.Interaction(3, forumPost, alice, discordfake.ButtonData("upvote"), map[string]any{"id": forumPost.ID, "channel_id": forumPost.ID})
	cb := waitCallback(t, fake, id)
	if cb.Type != 6 {
		t.Errorf("click answer type = %d, want 6", cb.Type)
	}
	// Interactions run concurrently: the first click's event must arrive before the
	// second click is sent for the order checked below to be defined.
	waitEvents(t, rec, 1)
	share, _ := fake.Interaction(3, textChannel, alice, discordfake.ButtonData("share:2401.01234"), map[string]any{"id": "5000000000000000099", "flags": 64})
	waitCallback(t, fake, share)
	got := waitEvents(t, rec, 2)
	want := []string{"button 2000000000000000003 2000000000000000004", "button 2000000000000000001 5000000000000000099"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	evs, _ := rec.Events()
	if evs[0].Action != "upvote" || evs[0].Value != "" || evs[1].Action != "share" || evs[1].Value != "2401.01234" || evs[0].ID != "ix:"+id {
		t.Errorf("events = %+v, want upvote and share of 2401.01234", evs)
	}
	if err := evs[0].Respond(context.Background(), bot.Reply{Text: "Upvoted.", InChannel: true}); err != nil {
		t.Fatal(err)
	}
	whs := waitWebhooks(t, fake, id, 1)
	if m := decode(t, whs[0].Body); whs[0].Method != "POST" || m.Flags != 64 || m.Content != "Upvoted." {
		t.Errorf("click answer = %s %s, want an ephemeral follow-up", whs[0].Method, whs[0].Body)
	}
}

// TestAutocomplete checks type 4 interactions are answered with the core's choices
// (integers for an integer option, at most 25, names cut to 100).
func TestAutocomplete(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	for i := 1; i <= 30; i++ {
		rec.choices = append(rec.choices, bot.Choice{Name: strings.Repeat("x", 120), Value: string(rune('0' + i%10))})
	}
	rec.choices[0] = bot.Choice{Name: "3: cat:cs.LG", Value: "3"}
	start(t, fake, rec)
	id, _ := fake.Interaction(4, postThread, alice, sub("unsubscribe", discordfake.Option{Name: "id", Type: 4, Value: "3", Focused: true}), nil)
	cb := waitCallback(t, fake, id)
	m := decode(t, cb.Data)
	if cb.Type != 8 || len(m.Choices) != 25 {
		t.Fatalf("autocomplete: type %d, %d choices, want type 8 and 25", cb.Type, len(m.Choices))
	}
	if m.Choices[0].Name != "3: cat:cs.LG" || m.Choices[0].Value != float64(3) {
		t.Errorf("first choice = %+v, want 3: cat:cs.LG = 3 (a number)", m.Choices[0])
	}
	if n := len([]rune(m.Choices[1].Name)); n > 100 {
		t.Errorf("choice name of %d characters, want at most 100", n)
	}
	rec.mu.Lock()
	calls := rec.complete
	rec.mu.Unlock()
	if len(calls) != 1 || calls[0] != "unsubscribe|3|"+textChannel.ID {
		t.Errorf("Complete calls = %v, want unsubscribe|3 in the thread's channel", calls)
	}
}

// TestFollowupErrorsHideToken checks a failed follow-up's error does not carry the
// webhook URL, which holds the interaction token.
func TestFollowupErrorsHideToken(t *testing.T) {
	fake := discordfake.New(t)
	a := newAdapter(t, fake, func(o *Options) { o.APIURL = "http://127.0.0.1:1/api/v9" }) // nothing listens there
	f := newFollowup(a, interaction{ID: "1", ApplicationID: discordfake.ApplicationID, Token: "SECRETTOKEN"})
	close(f.acked)
	err := f.followup(context.Background(), bot.Reply{Text: "hi"})
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Errorf("error = %v, want one without the token", err)
	}
	if se := bot.ClassifySend(err); se.Permanent || se.Reason != "network" {
		t.Errorf("classified %+v, want a temporary network error", se)
	}
}
