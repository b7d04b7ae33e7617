package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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

// TestShowSummaryForScripts is the path a script takes to read summaries (issue 21's
// held-out check): import papers, then `show --json` each. The summary is the current
// extractive one, the same text the summarizer gives, and a summary cached under an
// older extractive version is made again rather than served.
func TestShowSummaryForScripts(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "p.db")
	abstracts := map[string]string{
		"2111.12137": "Data-driven simulators promise high data-efficiency for driving policy learning. When used for modelling interactions, this data-efficiency becomes a bottleneck: Small underlying datasets often lack interesting and challenging edge cases for learning interactive driving. We address this challenge by proposing a simulation method that uses in-painted ado vehicles for learning robust driving policies. Thus, our approach can be used to learn policies that involve multi-agent interactions and allows for training via state-of-the-art policy learning methods. We evaluate the approach for learning standard interaction scenarios in driving. In extensive experiments, our work demonstrates that the resulting policies can be directly transferred to a full-scale autonomous vehicle without making use of any traditional sim-to-real transfer techniques such as domain randomization.",
		"2112.12130": "Neural implicit representations have recently shown encouraging results in various domains, including promising progress in simultaneous localization and mapping (SLAM). Nevertheless, existing methods produce over-smoothed scene reconstructions and have difficulty scaling up to large scenes. These limitations are mainly due to their simple fully-connected network architecture that does not incorporate local information in the observations. In this paper, we present NICE-SLAM, a dense SLAM system that incorporates multi-level local information by introducing a hierarchical scene representation. Optimizing this representation with pre-trained geometric priors enables detailed reconstruction on large indoor scenes. Compared to recent neural implicit SLAM systems, our approach is more scalable, efficient, and robust. Experiments on five challenging datasets demonstrate competitive results of NICE-SLAM in both mapping and tracking quality. Project page: https://pengsongyou.github.io/nice-slam",
	}
	var lines []string
	for id, a := range abstracts {
		b, _ := json.Marshal(map[string]string{"id": id, "title": "Paper " + id, "abstract": a})
		lines = append(lines, string(b))
	}
	jsonl := filepath.Join(t.TempDir(), "papers.jsonl")
	if err := os.WriteFile(jsonl, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runMain(t, "", "import", "--db", db, jsonl); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.FindPaper(ctx, "2112.12130")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSummary(ctx, paperboy.Summary{PaperID: old.ID, Model: summarize.ExtractiveModel, PromptVersion: "ext-1", Text: "An old summary."}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for id, a := range abstracts {
		out, errOut, err := runMain(t, "", "show", "--db", db, "--json", id)
		if err != nil {
			t.Fatalf("show %s: %v\n%s", id, err, errOut)
		}
		var got struct{ Summary, SummaryModel string }
		if err := json.Unmarshal([]byte(out), &struct {
			Summary      *string `json:"summary"`
			SummaryModel *string `json:"summary_model"`
		}{&got.Summary, &got.SummaryModel}); err != nil {
			t.Fatalf("show %s: %v\n%s", id, err, out)
		}
		want, err := (&summarize.Extractive{}).Summarize(ctx, &paperboy.Paper{ID: id, Title: "Paper " + id, Abstract: a})
		if err != nil {
			t.Fatal(err)
		}
		if got.Summary != want.Text || got.SummaryModel != summarize.ExtractiveModel {
			t.Errorf("show %s: summary %q (%s), want %q", id, got.Summary, got.SummaryModel, want.Text)
		}
	}
}
