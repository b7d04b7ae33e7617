package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

func TestShowJSON(t *testing.T) {
	db := exportStore(t)
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"slack:U1", "slack:U2"} {
		if _, err := st.CastVote(ctx, paperboy.Vote{PaperID: "2401.00002", Channel: "slack:C1", User: u, Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	// A cached summary is shown as it is, not made again.
	if err := st.SaveSummary(ctx, paperboy.Summary{PaperID: "2401.00001", Model: summarize.ExtractiveModel,
		PromptVersion: summarize.ExtractivePromptVersion, Text: "Cached summary text."}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errOut, err := runMain(t, "", "show", "--db", db, "--json", "--channel", "slack:C1", "https://arxiv.org/abs/2401.00002v3")
	if err != nil {
		t.Fatalf("show: %v\n%s", err, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"id", "title", "authors", "abstract", "summary", "url", "published", "categories"} {
		if _, ok := got[k]; !ok {
			t.Errorf("--json lacks %q: %s", k, out)
		}
	}
	if got["id"] != "2401.00002" || got["title"] != "Über Beta" || got["published"] != "2024-01-02" || got["url"] != "https://arxiv.org/abs/2401.00002" {
		t.Errorf("record: got %s", out)
	}
	// No model is configured: the summary is made now, extractively, from the abstract.
	if got["summary"] == "" || got["summary_model"] != summarize.ExtractiveModel || !strings.Contains(got["summary"].(string), "abstract") {
		t.Errorf("summary: got %q (%v), want an extractive one", got["summary"], got["summary_model"])
	}
	if v, _ := json.Marshal(got["votes"]); string(v) != `{"channel":"slack:C1","down":0,"replies":0,"up":2}` {
		t.Errorf("votes: got %s, want up 2 in slack:C1", v)
	}

	out, errOut, err = runMain(t, "", "show", "--db", db, "2401.00001")
	if err != nil {
		t.Fatalf("show: %v\n%s", err, errOut)
	}
	for _, want := range []string{"Alpha_1 & Friends\n", "Authors:    Zoë Ng, Al Bo\n", "arXiv:      2401.00001\n", "Summary (extractive):\nCached summary text.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Votes") {
		t.Errorf("votes without --channel:\n%s", out)
	}
}

func TestShowErrors(t *testing.T) {
	db := exportStore(t)
	_, _, err := runMain(t, "", "show", "--db", db, "2409.99999")
	if err == nil || !strings.Contains(err.Error(), "No paper 2409.99999") || errors.Is(err, errUsage) {
		t.Errorf("unknown paper: got %v, want a not-found error", err)
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"-h"}} {
		_, errOut, err := runMain(t, "", append([]string{"show", "--db", db}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(errOut, "Usage: paperboy show") {
			t.Errorf("show %v: got %v, %q; want usage", args, err, errOut)
		}
	}
}
