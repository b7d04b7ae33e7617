package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

func testPaper() *paperboy.Paper {
	return &paperboy.Paper{
		ID: "2401.01234", ArxivID: "2401.01234", Title: "Sparse <Mixture> & Experts",
		Authors:    []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"},
		Categories: []string{"cs.LG", "cs.AI"}, Published: time.Date(2024, 1, 2, 15, 0, 0, 0, time.UTC),
		Abstract: "We study   experts.", Upvotes: 42, HFURL: "https://huggingface.co/papers/2401.01234",
		RepoURL: "https://github.com/x/moe",
	}
}

func TestRenderPost(t *testing.T) {
	blocks, text := renderPost(bot.Post{Paper: testPaper(), Reason: "cs.LG · mixture of experts",
		Tally: paperboy.Tally{Up: 3, Down: 1, Replies: 2}, Key: "pb-d1"})
	bottest.AssertJSON(t, blocks, `[
	 {"type":"section","block_id":"paper_title","text":{"type":"mrkdwn",
	  "text":"*<https://arxiv.org/abs/2401.01234|Sparse &lt;Mixture&gt; &amp; Experts>*\nAda Lovelace, Alan Turing, Grace Hopper et al.\n`+"`cs.LG` `cs.AI`"+` · 2024-01-02"}},
	 {"type":"section","block_id":"paper_summary","text":{"type":"mrkdwn","text":"We study experts."}},
	 {"type":"context","block_id":"paper_links","elements":[{"type":"mrkdwn",
	  "text":":hugging_face: <https://huggingface.co/papers/2401.01234|42 HF upvotes> · :computer: <https://github.com/x/moe|GitHub>"}]},
	 {"type":"context","block_id":"paper_reason","elements":[{"type":"mrkdwn","text":"Posted for cs.LG · mixture of experts"}]},
	 {"type":"context","block_id":"paper_votes","elements":[{"type":"mrkdwn","text":":+1: 3 · :-1: 1 · :speech_balloon: 2 replies"}]},
	 {"type":"actions","block_id":"paper_actions","elements":[
	  {"type":"button","action_id":"upvote","value":"2401.01234","style":"primary","text":{"type":"plain_text","text":":+1: Upvote","emoji":true}},
	  {"type":"button","action_id":"read_later","value":"2401.01234","text":{"type":"plain_text","text":":bookmark: Read later","emoji":true}},
	  {"type":"button","action_id":"not_relevant","value":"2401.01234","text":{"type":"plain_text","text":":see_no_evil: Not relevant","emoji":true}}]}
	]`)
	if want := "New paper: Sparse &lt;Mixture&gt; &amp; Experts https://arxiv.org/abs/2401.01234"; text != want {
		t.Errorf("fallback text = %q, want %q", text, want)
	}
}

func TestRenderPostMinimal(t *testing.T) {
	// No authors, links, reason or votes; a summary in neutral markup wins over the abstract.
	p := &paperboy.Paper{ID: "title:abc", Title: "Only a title", Abstract: "ignored"}
	blocks, _ := renderPost(bot.Post{Paper: p, Summary: "**TL;DR** it works"})
	bottest.AssertJSON(t, blocks, `[
	 {"type":"section","block_id":"paper_title","text":{"type":"mrkdwn","text":"*Only a title*"}},
	 {"type":"section","block_id":"paper_summary","text":{"type":"mrkdwn","text":"*TL;DR* it works"}},
	 {"type":"context","block_id":"paper_votes","elements":[{"type":"mrkdwn","text":"No votes yet: react :+1: / :-1:, use the buttons, or reply +1 in the thread"}]},
	 {"type":"actions","block_id":"paper_actions","elements":[
	  {"type":"button","action_id":"upvote","value":"title:abc","style":"primary","text":{"type":"plain_text","text":":+1: Upvote","emoji":true}},
	  {"type":"button","action_id":"read_later","value":"title:abc","text":{"type":"plain_text","text":":bookmark: Read later","emoji":true}},
	  {"type":"button","action_id":"not_relevant","value":"title:abc","text":{"type":"plain_text","text":":see_no_evil: Not relevant","emoji":true}}]}
	]`)
	// A nil paper renders instead of panicking.
	if blocks, text := renderPost(bot.Post{}); len(blocks) == 0 || text == "" {
		t.Errorf("renderPost(empty) = %d blocks, text %q; want a valid message", len(blocks), text)
	}
}

// checkLimits verifies a marshalled block list against Block Kit's limits.
func checkLimits(t *testing.T, blocks any) {
	t.Helper()
	b, _ := json.Marshal(blocks)
	var list []map[string]any
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("blocks are not a JSON list: %v", err)
	}
	if len(list) > maxBlocks {
		t.Errorf("got %d blocks, want <= %d", len(list), maxBlocks)
	}
	for i, blk := range list {
		switch blk["type"] {
		case "section":
			txt := blk["text"].(map[string]any)["text"].(string)
			if n := utf8.RuneCountInString(txt); n > maxSectionText || n == 0 {
				t.Errorf("block %d: section text has %d runes, want 1..%d", i, n, maxSectionText)
			}
			if !utf8.ValidString(txt) {
				t.Errorf("block %d: invalid UTF-8", i)
			}
		case "actions":
			els := blk["elements"].([]any)
			if len(els) > 25 {
				t.Errorf("block %d: %d elements, want <= 25", i, len(els))
			}
			for _, e := range els {
				label := e.(map[string]any)["text"].(map[string]any)["text"].(string)
				if n := utf8.RuneCountInString(label); n > maxButtonText {
					t.Errorf("block %d: button label has %d runes, want <= %d", i, n, maxButtonText)
				}
			}
		}
	}
}

func TestRenderPostLimits(t *testing.T) {
	huge := strings.Repeat("Mixture-of-experts <routing> & load balancing. ", 2200) // ~100 KB
	p := &paperboy.Paper{ID: "2401.01234", ArxivID: "2401.01234", Title: strings.Repeat("Très long titre ", 60),
		Abstract: huge, Authors: make([]string, 500), Categories: []string{strings.Repeat("c", 100)}}
	for i := range p.Authors {
		p.Authors[i] = strings.Repeat("Ñame ", 20)
	}
	for name, post := range map[string]bot.Post{
		"abstract": {Paper: p, Reason: huge},
		"summary":  {Paper: p, Summary: huge},
	} {
		t.Run(name, func(t *testing.T) {
			blocks, text := renderPost(post)
			checkLimits(t, blocks)
			if n := utf8.RuneCountInString(text); n > maxPlainText {
				t.Errorf("fallback text has %d runes, want <= %d", n, maxPlainText)
			}
		})
	}
}

func TestRenderReply(t *testing.T) {
	papers := []*paperboy.Paper{
		{ID: "2401.00001", Title: "First paper"},
		{ID: "2401.00002", Title: strings.Repeat("A very long title ", 10)},
	}
	m := renderReply(bot.Reply{Text: "**2 results** for `moe`\n1. [First paper](https://arxiv.org/abs/2401.00001)", Papers: papers})
	bottest.AssertJSON(t, m, `{"response_type":"ephemeral",
	 "text":"*2 results* for `+"`moe`"+`\n1. <https://arxiv.org/abs/2401.00001|First paper>",
	 "blocks":[
	  {"type":"section","block_id":"reply_0","text":{"type":"mrkdwn","text":"*2 results* for `+"`moe`"+`\n1. <https://arxiv.org/abs/2401.00001|First paper>"}},
	  {"type":"actions","block_id":"share_1","elements":[
	   {"type":"button","action_id":"share:1","value":"2401.00001","text":{"type":"plain_text","text":"Share 1: First paper","emoji":true}},
	   {"type":"button","action_id":"share:2","value":"2401.00002","text":{"type":"plain_text","text":"Share 2: A very long title A very long title A very long title A very long…","emoji":true}}]}
	 ]}`)

	bottest.AssertJSON(t, renderReply(bot.Reply{Text: "Subscribed #3", InChannel: true}), `{"response_type":"in_channel","text":"Subscribed #3"}`)
	bottest.AssertJSON(t, renderReply(bot.Reply{Deferred: true}), `{"response_type":"ephemeral","text":"Working on it…"}`)

	many := make([]*paperboy.Paper, 300)
	for i := range many {
		many[i] = &paperboy.Paper{ID: "p" + strings.Repeat("x", i%7), Title: "T"}
	}
	big := renderReply(bot.Reply{Text: strings.Repeat("line of results\n", 20000), Papers: many})
	checkLimits(t, big.Blocks)
}

func BenchmarkRenderPost(b *testing.B) {
	post := bot.Post{Paper: testPaper(), Reason: "cs.LG · mixture of experts", Tally: paperboy.Tally{Up: 3}, Key: "pb-d1"}
	post.Paper.Abstract = strings.Repeat("We study sparse experts & routing. ", 60)
	b.ReportAllocs()
	for b.Loop() {
		blocks, _ := renderPost(post)
		if len(blocks) == 0 {
			b.Fatal("no blocks")
		}
	}
}
