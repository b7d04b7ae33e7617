package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// TestBibCommand: `bib <id>` answers the paper's BibTeX entry in a code block; a paper
// not stored is the usual not-found answer.
func TestBibCommand(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC) }
	db := socialStore(t, now)
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now})
	r := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: "/papers bib https://arxiv.org/abs/2401.04088v2"})
	want := "```\n@misc{jiang2025mixtral,\n  title = {Mixtral of Experts},\n  author = {Albert Q. Jiang},\n  year = {2025},\n" +
		"  eprint = {2401.04088},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.LG},\n  url = {https://arxiv.org/abs/2401.04088},\n}\n```"
	if r.Text != want {
		t.Errorf("bib: got\n%s\nwant\n%s", r.Text, want)
	}
	if r := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: "bib 2101.99999"}); !strings.Contains(r.Text, "2101.99999") || strings.Contains(r.Text, "@misc") {
		t.Errorf("bib of an unknown paper: got %q, want a not-found answer", r.Text)
	}
}

// TestReadlistBib: `readlist bib` gives the newest papers of the list as BibTeX, as
// many as one message holds whole (a split code block loses its fences), with a pointer
// to the export for the rest; other arguments are a usage error.
func TestReadlistBib(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(t, now)
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now})
	cmd := func(text string) string {
		return b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: text}).Text
	}
	if got := cmd("readlist bib"); !strings.Contains(got, "empty") {
		t.Errorf("empty list: got %q", got)
	}
	long := strings.Repeat("Scaling Laws for Sparse Mixture of Experts Language Models ", 4)
	for i := range 7 {
		p := paperboy.Paper{ArxivID: fmt.Sprintf("2402.0000%d", i), Title: fmt.Sprintf("Paper_%d & %s", i, long), Authors: []string{"Ann Lee"}, Published: at}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		if _, err := db.AddToReadingList(ctx, "test:u", p.ID); err != nil {
			t.Fatal(err)
		}
	}
	got := cmd("readlist bib")
	n := strings.Count(got, "@misc{")
	if n < 2 || n >= 7 {
		t.Errorf("entries: got %d, want some but not all 7 (they do not fit one message):\n%s", n, got)
	}
	block := got[strings.Index(got, "```"):strings.LastIndex(got, "```")]
	if len(block) > 1800+8 {
		t.Errorf("code block of %d bytes, want at most 1800", len(block))
	}
	for _, want := range []string{"@misc{lee2025paper6,", `title = {Paper\_6 \& Scaling`, fmt.Sprintf("The newest %d are here", n), "export --format bibtex --readlist test:u"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "Paper\\_0") {
		t.Errorf("the oldest paper is in the reply:\n%s", got)
	}
	if got := cmd("readlist csv"); !strings.Contains(got, "Usage") {
		t.Errorf("readlist csv: got %q, want a usage error", got)
	}
	if got := cmd("readlist"); !strings.Contains(got, "1. ") || strings.Contains(got, "@misc") {
		t.Errorf("plain readlist changed: %q", got)
	}
}

// TestBibManyAuthors: a collaboration paper's entry in chat names ten authors and
// "others" (BibTeX's et al.) so it fits one message; a short entry keeps them all.
func TestBibManyAuthors(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC) }
	db := socialStore(t, now)
	var authors []string
	for i := range 300 {
		authors = append(authors, fmt.Sprintf("Author Number%d", i))
	}
	p := paperboy.Paper{ArxivID: "1207.7214", Title: "Observation of a new particle", Authors: authors, Published: now()}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
		t.Fatal(err)
	}
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now})
	got := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: "bib 1207.7214"}).Text
	if !strings.Contains(got, "Author Number9 and others},") || strings.Contains(got, "Number10 ") || len(got) > 1800 {
		t.Errorf("got %d bytes:\n%s\nwant ten authors and others", len(got), got)
	}
	got = b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: "bib 2401.04088"}).Text
	if !strings.Contains(got, "author = {Albert Q. Jiang},") {
		t.Errorf("short entry changed:\n%s", got)
	}
}

func TestCodeBlockPlainText(t *testing.T) {
	in := "Here:\n" + bot.CodeBlock("@misc{k,\n  title = {**a** [b](c) `d` ```}\n}\n") + "\nafter **x**"
	want := "Here:\n@misc{k,\n  title = {**a** [b](c) `d` `\u200b``}\n}\nafter x"
	if got := bot.PlainText(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
