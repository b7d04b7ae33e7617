package discord

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

func outPaper() *paperboy.Paper {
	return &paperboy.Paper{
		ID: "2401.01234", ArxivID: "2401.01234", Title: "Sparse *Mixture* of   Experts @everyone",
		Authors:    []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"},
		Categories: []string{"cs.LG", "cs.AI"}, Published: time.Date(2024, 1, 2, 15, 0, 0, 0, time.UTC),
		Abstract: "We study   experts_in_routing.", Upvotes: 42, HFURL: "https://huggingface.co/papers/2401.01234",
		RepoURL: "https://github.com/x/moe",
	}
}

func TestRenderPost(t *testing.T) {
	msg := renderPost(bot.Post{Paper: outPaper(), Reason: "cs.LG · mixture of experts",
		Tally: paperboy.Tally{Up: 3, Down: 1, Replies: 2}, Key: "pb-d1"})
	bottest.AssertJSON(t, msg, `{
	 "embeds":[{"type":"rich","title":"Sparse *Mixture* of Experts @everyone","url":"https://arxiv.org/abs/2401.01234","color":11737883,
	  "description":"We study experts\\_in\\_routing.",
	  "fields":[
	   {"name":"Authors","value":"Ada Lovelace, Alan Turing, Grace Hopper et al."},
	   {"name":"Categories","value":"`+"`cs.LG` `cs.AI`"+`","inline":true},
	   {"name":"Published","value":"2024-01-02","inline":true},
	   {"name":"Hugging Face","value":"[42 upvotes](https://huggingface.co/papers/2401.01234)","inline":true},
	   {"name":"Code","value":"[GitHub](https://github.com/x/moe)","inline":true},
	   {"name":"Votes","value":"👍 3 · 👎 1 · 💬 2 replies"}],
	  "footer":{"text":"Posted for cs.LG · mixture of experts · pb-d1"}}],
	 "components":[{"type":1,"components":[
	  {"type":2,"style":3,"label":"Upvote","emoji":{"name":"👍"},"custom_id":"upvote:2401.01234","disabled":false},
	  {"type":2,"style":2,"label":"Read later","emoji":{"name":"🔖"},"custom_id":"read_later:2401.01234","disabled":false},
	  {"type":2,"style":2,"label":"Not relevant","emoji":{"name":"🙈"},"custom_id":"not_relevant:2401.01234","disabled":false}]}],
	 "allowed_mentions":{"parse":[]}
	}`)

	// No authors, links, reason or votes; a summary in neutral markup wins over the abstract.
	minimal := renderPost(bot.Post{Paper: &paperboy.Paper{ID: "title:abc", Title: "Only a title", Abstract: "ignored"}, Summary: "**TL;DR** it works"})
	bottest.AssertJSON(t, minimal.Embeds, `[{"type":"rich","title":"Only a title","color":11737883,"description":"**TL;DR** it works",
	  "fields":[{"name":"Votes","value":"No votes yet: react 👍 / 👎, use the buttons, or reply +1 in the thread"}]}]`)
	if m := renderPost(bot.Post{}); len(m.Embeds) != 1 || m.Embeds[0].Title == "" {
		t.Errorf("renderPost(empty) = %+v; want a valid embed", m.Embeds)
	}
}

func TestRenderText(t *testing.T) {
	bottest.AssertJSON(t, renderText("**Abstract.** We study experts.", "pb-d7-abstract"),
		`{"content":"**Abstract.** We study experts.\n-# pb-d7-abstract","allowed_mentions":{"parse":[]}}`)
	// A long digest is not cut: it continues in embeds, the key in the last footer.
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf("- [Paper number %d about sparse mixture of experts routing](https://arxiv.org/abs/2611.%05d) — %s", i, i, strings.Repeat("word ", 25)+"end"))
	}
	digest := "**Digest: 30 new papers**\n" + strings.Join(lines, "\n")
	m := renderText(digest, "pb-g3")
	parts := []string{m.Content}
	total := 0
	for _, e := range m.Embeds {
		parts = append(parts, e.Description)
		total += utf16Len(e.Description)
		if utf16Len(e.Description) > maxEmbedDesc {
			t.Errorf("embed description has %d characters", utf16Len(e.Description))
		}
	}
	if utf16Len(m.Content) > maxContent || total+len("pb-g3") > maxEmbedTotal || len(m.Embeds) < 2 {
		t.Errorf("long text: content %d, %d embeds of %d in all; want <= 2000, 2 or more, <= 6000", utf16Len(m.Content), len(m.Embeds), total)
	}
	if got := strings.Join(parts, "\n"); got != digest {
		t.Errorf("long text lost or changed lines:\ngot  %.200q\nwant %.200q", got, digest)
	}
	if f := m.Embeds[len(m.Embeds)-1].Footer; f == nil || footerKey(f.Text) != "pb-g3" {
		t.Errorf("long text: last footer %+v, want the key", f)
	}
	if got := contentKey("x\n-# pb-d7-abstract"); got != "pb-d7-abstract" {
		t.Errorf("contentKey = %q, want pb-d7-abstract", got)
	}
	for _, s := range []string{"-# not a key", "pb-d7", "text -# pb-d7", ""} {
		if got := contentKey(s); got != "" {
			t.Errorf("contentKey(%q) = %q, want none", s, got)
		}
	}
	if got := footerKey("Posted for a · b · pb-d12"); got != "pb-d12" {
		t.Errorf("footerKey = %q, want pb-d12", got)
	}
	if got := footerKey("Posted for cs.LG"); got != "" {
		t.Errorf("footerKey without key = %q, want none", got)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"# Not a heading":     `\# Not a heading`,
		"> not a quote":       `\> not a quote`,
		"-# not small":        `\-# not small`,
		"a*b*_c_ `d` [e](f)":  "a\\*b\\*\\_c\\_ \\`d\\` \\[e\\](f)",
		"plain text, 50% off": "plain text, 50% off",
	} {
		if got := escapeMarkdown(in); got != want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCustomID(t *testing.T) {
	for _, c := range []struct{ action, paper, want string }{
		{actionUpvote, "2401.01234", "upvote:2401.01234"},
		{actionShare, "doi:10.1000/x:y", "share:doi:10.1000/x:y"},
		{actionReadLater, strings.Repeat("x", 95), "read_later:"}, // would not fit: no id rather than a cut one
	} {
		got := customID(c.action, c.paper)
		if got != c.want {
			t.Errorf("customID(%s, %.10s…) = %q, want %q", c.action, c.paper, got, c.want)
		}
		action, paper, ok := parseCustomID(got)
		if !ok || action != c.action || (paper != c.paper && paper != "") {
			t.Errorf("parseCustomID(%q) = %q, %q, %v", got, action, paper, ok)
		}
	}
	if _, _, ok := parseCustomID("something:else"); ok {
		t.Error("parseCustomID accepted a custom_id paperboy never builds")
	}
}

func TestMatchTags(t *testing.T) {
	var info channelInfo
	_ = json.Unmarshal([]byte(`{"id":"1","type":15,"available_tags":[
	 {"id":"1","name":"cs.LG"},{"id":"2","name":"cs.CV"},{"id":"3","name":"Mixture of Experts"},{"id":"4","name":"cs.AI","moderated":true},
	 {"id":"5","name":"#Robotics"},{"id":"6","name":"vision"},{"id":"7","name":"cs.CL"},{"id":"8","name":"stat.ML"},{"id":"9","name":"rl"}]}`), &info)
	got := matchTags(info, []string{"cs.CV", "cs.AI", "cs.LG", "stat.ML", "cs.CL"}, "robotics · mixture of experts · RL")
	// Categories first in paper order (cs.AI is moderated), then the reason's words and
	// phrases; at most 5.
	if want := []string{"2", "1", "8", "7", "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("matchTags = %v, want %v", got, want)
	}
	if got := matchTags(info, nil, "mixture"); len(got) != 0 {
		t.Errorf("a word of a tag's phrase matched: %v", got)
	}
}

// oversized is a paper beyond every Discord limit.
func oversized() bot.Post {
	huge := strings.Repeat("Mixture-of-experts routing & load balancing. ", 2200) // ~100 KB
	p := &paperboy.Paper{ID: "2401.01234", ArxivID: "2401.01234", Title: strings.Repeat("Très long titre ", 60),
		Abstract: huge, Authors: make([]string, 500), Categories: []string{strings.Repeat("c", 100), "cs.LG"},
		Upvotes: 3, HFURL: "https://huggingface.co/papers/2401.01234", RepoURL: "https://github.com/" + strings.Repeat("r", 2000)}
	for i := range p.Authors {
		p.Authors[i] = strings.Repeat("Ñame ", 20)
	}
	return bot.Post{Paper: p, Summary: huge, Reason: huge, Key: "pb-d123456789"}
}

// TestRenderLimits checks each Discord limit on an oversized paper: embed title 256,
// description 4096, at most 25 fields of 256/1024, footer 2048, 6000 in all, buttons per
// row 5, custom_id 100, content 2000, thread names 1-100; cuts fall between words.
func TestRenderLimits(t *testing.T) {
	post := oversized()
	m := renderPost(post)
	e := m.Embeds[0]
	check := func(what string, n, limit int) {
		t.Helper()
		if n > limit {
			t.Errorf("%s: %d, want <= %d", what, n, limit)
		}
	}
	check("title", utf16Len(e.Title), maxEmbedTitle)
	check("description", utf16Len(e.Description), maxEmbedDesc)
	check("fields", len(e.Fields), maxEmbedFields)
	for _, f := range e.Fields {
		check("field name "+f.Name, utf16Len(f.Name), maxFieldName)
		check("field value "+f.Name, utf16Len(f.Value), maxFieldValue)
	}
	check("footer", utf16Len(e.Footer.Text), maxFooter)
	check("embed total", embedTotal(e), maxEmbedTotal)
	atWord(t, "title", paperboy.CollapseSpace(post.Paper.Title), e.Title)
	if !strings.HasSuffix(e.Footer.Text, " · pb-d123456789") {
		t.Errorf("footer lost the key: …%q", e.Footer.Text[len(e.Footer.Text)-30:])
	}
	b, _ := json.Marshal(m.Components)
	var rows []struct {
		Components []struct {
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	_ = json.Unmarshal(b, &rows)
	for _, r := range rows {
		check("buttons per row", len(r.Components), maxRowButtons)
		for _, c := range r.Components {
			check("custom_id", utf16Len(c.CustomID), maxCustomID)
			check("label", utf16Len(c.Label), maxButtonLabel)
		}
	}
	long := renderText(post.Summary, "pb-d123456789-abstract")
	check("content", utf16Len(long.Content), maxContent)
	total := 0
	for _, e := range long.Embeds {
		check("text embed description", utf16Len(e.Description), maxEmbedDesc)
		total += embedTotal(e)
	}
	check("text embeds", len(long.Embeds), maxTextEmbeds)
	check("text embeds total", total, maxEmbedTotal)
	last := long.Embeds[len(long.Embeds)-1]
	if last.Footer == nil || last.Footer.Text != "pb-d123456789-abstract" {
		t.Errorf("text beyond 8000 characters lost its key: %+v", last.Footer)
	}
	prefix, cut := strings.CutSuffix(last.Description, "…")
	tail := prefix[len(prefix)-30:]
	if !cut || !(strings.Contains(post.Summary, tail+" ") || strings.Contains(post.Summary, tail+"\n")) {
		t.Errorf("text beyond 8000 characters not cut at a word: …%q", last.Description[len(last.Description)-40:])
	}
	atWord(t, "description", post.Summary, e.Description)
	name := threadName(post.Paper.Title)
	check("thread name", utf16Len(name), maxThreadName)
	atWord(t, "thread name", paperboy.CollapseSpace(post.Paper.Title), name)
	if got := threadName("  \n "); got != "Paper" {
		t.Errorf("threadName(blank) = %q, want a non-empty name", got)
	}
	// Emoji count twice (UTF-16), and no rune is ever cut.
	emoji := cutWords(strings.Repeat("🧪", 3000), maxContent)
	if utf16Len(emoji) > maxContent || !utf8.ValidString(emoji) {
		t.Errorf("emoji text: %d units, valid %v", utf16Len(emoji), utf8.ValidString(emoji))
	}
}

// atWord checks that cut is the start of full followed by "…", ending between words.
func atWord(t *testing.T, what, full, cut string) {
	t.Helper()
	prefix, ok := strings.CutSuffix(cut, "…")
	if !ok || !strings.HasPrefix(full, prefix) || len(prefix) == 0 {
		t.Errorf("%s: %q… is not a cut of the text", what, cut[:min(len(cut), 40)])
		return
	}
	if next := full[len(prefix)]; next != ' ' && next != '\n' {
		t.Errorf("%s: cut mid-word: …%q|%q", what, prefix[len(prefix)-10:], full[len(prefix):len(prefix)+5])
	}
}

func BenchmarkRenderPost(b *testing.B) {
	post := bot.Post{Paper: outPaper(), Reason: "cs.LG · mixture of experts", Tally: paperboy.Tally{Up: 3}, Key: "pb-d1"}
	b.ReportAllocs()
	for b.Loop() {
		if m := renderPost(post); len(m.Embeds) == 0 {
			b.Fatal("no embed")
		}
	}
}
