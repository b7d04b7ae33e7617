package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/recommend"
	"github.com/paperboy-bot/paperboy/store"
)

// recommendCorpus writes a small Kaggle-format snapshot: 8 papers on each of three topics,
// ids 2401.0TTNN (TT topic, NN number).
func recommendCorpus(t *testing.T, dir string) string {
	t.Helper()
	topics := [][]string{
		{"speculative decoding", "draft model", "token acceptance rate", "inference latency"},
		{"diffusion model", "image generation", "denoising schedule", "classifier-free guidance"},
		{"robot manipulation", "grasping policy", "embodied agent", "tactile sensing"},
	}
	var b strings.Builder
	for ti, ph := range topics {
		for i := 0; i < 8; i++ {
			line := map[string]any{
				"id":         fmt.Sprintf("2401.%02d%03d", ti+10, i),
				"title":      fmt.Sprintf("Better %s with %s (%d)", ph[i%4], ph[(i+1)%4], i),
				"abstract":   fmt.Sprintf("We study %s and %s. Results improve on strong baselines.", ph[(i+2)%4], ph[(i+3)%4]),
				"authors":    fmt.Sprintf("Author %d, Other %d", ti, i),
				"categories": "cs.LG",
				"doi":        fmt.Sprintf("10.1000/x.%d.%d", ti, i),
				"versions":   []map[string]string{{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}},
			}
			j, _ := json.Marshal(line)
			b.Write(j)
			b.WriteByte('\n')
		}
	}
	path := filepath.Join(dir, "corpus.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRecommendAndVotesImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	if _, errOut, err := runMain(t, "", "import", "--db", db, recommendCorpus(t, dir)); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	// A channel without votes (and without posts or subscriptions) is told how to start.
	_, _, err := runMain(t, "", "recommend", "--db", db, "--channel", "slack:C1")
	if err == nil || !strings.Contains(err.Error(), "votes import --channel slack:C1") {
		t.Fatalf("recommend without votes: got %v, want how to start", err)
	}

	votes := strings.Join([]string{
		`{"paper": "2401.10000", "vote": 1}`,
		`{"paper": "https://arxiv.org/abs/2401.10003v2", "vote": 1, "user": "U7"}`,
		``,
		`{"paper": "Better image generation with denoising schedule (1)", "vote": -1}`,
		`{"paper": "10.1000/x.2.5", "vote": -1}`,
		`{"paper": "2402.99999", "vote": 1}`,
		`{"paper": "2401.10001", "vote": 5}`,
		`not json`,
	}, "\n")
	out, errOut, err := runMain(t, votes, "votes", "import", "--no-fetch", "--db", db, "--channel", "slack:C1", "-")
	if err != nil {
		t.Fatalf("votes import: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"line 6: not found: 2402.99999",
		"line 7: invalid: \"vote\" is 5",
		"line 8: invalid: not a JSON object",
		"4 matched (4 new votes, 0 already there), 1 not found (lines 6), 2 invalid.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("votes import output lacks %q:\n%s", want, out)
		}
	}
	// Importing again changes nothing.
	out, _, _ = runMain(t, votes, "votes", "import", "--no-fetch", "--db", db, "--channel", "slack:C1", "-")
	if !strings.Contains(out, "4 matched (0 new votes, 4 already there)") {
		t.Errorf("second import:\n%s", out)
	}

	// A byte order mark and blank lines before the first line keep the file's numbering.
	out, _, err = runMain(t, "\ufeff\n\n"+`{"paper": "2403.00001", "vote": 1}`, "votes", "import", "--no-fetch", "--db", db, "--channel", "slack:C1", "-")
	if err != nil || !strings.Contains(out, "line 3: not found: 2403.00001") {
		t.Errorf("leading blank lines: %v\n%s", err, out)
	}

	bib := filepath.Join(dir, "lib.bib")
	os.WriteFile(bib, []byte(`
@article{a, title = {Better {Token} Acceptance Rate with Inference Latency (2)}, year = 2024}
@misc{b, title = {Unknown}, eprint = {2401.10005}, archivePrefix = {arXiv}}
@misc{c, title = {Not Stored Anywhere}}
`), 0o644)
	out, errOut, err = runMain(t, "", "votes", "import", "--no-fetch", "--db", db, "--channel", "slack:C1", bib)
	if err != nil || !strings.Contains(out, "2 matched (2 new votes, 0 already there), 1 not found (lines 4).") {
		t.Fatalf("bibtex import: %v %s\n%s", err, errOut, out)
	}

	out, errOut, err = runMain(t, "", "recommend", "--db", db, "--channel", "slack:C1", "--json", "--limit", "4", "--since", "36500d")
	if err != nil {
		t.Fatalf("recommend: %v\n%s", err, errOut)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("recommend --json: %v\n%s", err, out)
	}
	if len(recs) != 4 { // the four speculative decoding papers not voted on
		t.Fatalf("got %d recommendations, want 4:\n%s", len(recs), out)
	}
	voted := map[string]bool{"2401.10000": true, "2401.10003": true, "2401.11001": true, "2401.12005": true, "2401.10002": true, "2401.10005": true}
	for i, r := range recs {
		for _, k := range []string{"id", "title", "score", "url", "reason"} {
			if _, ok := r[k]; !ok {
				t.Errorf("recommendation %d lacks %q", i, k)
			}
		}
		id, _ := r["id"].(string)
		if voted[id] {
			t.Errorf("voted paper %s recommended", id)
		}
		if !strings.HasPrefix(id, "2401.10") {
			t.Errorf("recommendation %d is %s (%v), not a speculative decoding paper", i, id, r["title"])
		}
		if i > 0 && r["score"].(float64) > recs[i-1]["score"].(float64) {
			t.Errorf("not best first at %d", i)
		}
	}
	// Another channel's votes are not this one's.
	if _, _, err := runMain(t, "", "recommend", "--db", db, "--channel", "slack:C2"); err == nil || !strings.Contains(err.Error(), "no votes yet") {
		t.Errorf("other channel: got %v, want no votes yet", err)
	}
	out, _, err = runMain(t, "", "recommend", "--db", db, "--channel", "slack:C1", "--since", "36500d", "--limit", "2")
	if err != nil || strings.Count(out, "\n") != 4 {
		t.Errorf("text output: %v\n%s", err, out)
	}
	// The import into the empty database left the vectors for later (ranking computed
	// them on the fly above); `vectors` stores them once, then has nothing to do.
	if out, _, err := runMain(t, "", "vectors", "--db", db); err != nil || !strings.HasPrefix(out, "24 papers given vectors") {
		t.Errorf("vectors: %v %q, want the 24 imported papers", err, out)
	}
	if out, _, err := runMain(t, "", "vectors", "--db", db); err != nil || !strings.HasPrefix(out, "0 papers given vectors") {
		t.Errorf("vectors again: %v %q", err, out)
	}
	for _, bad := range [][]string{{"recommend", "--channel", "nocolon"}, {"recommend", "--channel", "a:b", "--limit", "0"}, {"votes", "import", "--channel", "a:b"}} {
		if _, _, err := runMain(t, "", append(bad, "--db", db)...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// BenchmarkRecommendStore is one `recommend` request end to end on a real store: 2,000
// papers stored in the last week (2,500 in all), a channel with 10 likes and 10 dislikes;
// the channel's model is trained on every request, so this is also what a vote costs.
func BenchmarkRecommendStore(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 2, 30_000-1)
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = fmt.Sprintf("w%xq", zipf.Uint64())
		}
		return strings.Join(ws, " ")
	}
	papers := make([]paperboy.Paper, 2_500)
	for i := range papers {
		papers[i] = paperboy.Paper{ArxivID: fmt.Sprintf("2501.%05d", i), Title: text(10), Abstract: text(150),
			Authors: []string{fmt.Sprintf("Author N%d", rng.IntN(5000))}, Categories: []string{"cs.LG"}}
		if err := papers[i].Normalize(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.UpsertPapers(ctx, papers); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		v := 1
		if i >= 10 {
			v = -1
		}
		if _, err := db.CastVote(ctx, paperboy.Vote{PaperID: papers[rng.IntN(500)].Key(), Channel: "slack:C1", User: fmt.Sprint("u", i), Value: v}); err != nil {
			b.Fatal(err)
		}
	}
	svc := &recommend.Service{Store: db}
	since := time.Now().Add(-7 * 24 * time.Hour)
	for b.Loop() {
		recs, err := svc.Recommend(ctx, "slack:C1", since, 10)
		if err != nil || len(recs) != 10 {
			b.Fatalf("%d recommendations, %v", len(recs), err)
		}
	}
}

// TestVotesImportFetchesFromArxiv: a vote naming an arXiv id the store lacks fetches the
// paper from arXiv (a loopback server answering with real captures), stores it quietly
// and counts the vote; an id arXiv does not know stays "not found" and the import goes on.
func TestVotesImportFetchesFromArxiv(t *testing.T) {
	const captures = "../../../shared/real/arxiv-api/"
	known, err := os.ReadFile(captures + "arxivpy-id-astro-ph-0601001-journal-ref-affiliations.xml")
	if err != nil {
		t.Skipf("arXiv capture not found: %v", err)
	}
	empty, err := os.ReadFile(captures + "arxivpy-empty-result-totalResults-0.xml")
	if err != nil {
		t.Skipf("arXiv capture not found: %v", err)
	}
	var asked []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id_list")
		mu.Lock()
		asked = append(asked, id)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml")
		if id == "astro-ph/0601001" {
			w.Write(known)
			return
		}
		w.Write(empty)
	}))
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	conf := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[ingest]\narxiv_api_url = %q\n", srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	votes := `{"paper": "astro-ph/0601001", "vote": 1}` + "\n" + `{"paper": "2402.99999", "vote": 1}` + "\n"
	out, errOut, err := runMain(t, votes, "votes", "import", "--db", db, "--config", conf, "--channel", "slack:C1", "-")
	if err != nil {
		t.Fatalf("votes import: %v\n%s", err, errOut)
	}
	for _, want := range []string{"line 2: not found: 2402.99999", "1 matched (1 new votes, 0 already there), 1 not found (lines 2); 1 of the matched fetched from arXiv."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "line 1: fetched astro-ph/0601001 from arXiv") {
		t.Errorf("stderr lacks the fetch:\n%s", errOut)
	}
	if fmt.Sprint(asked) != "[astro-ph/0601001 2402.99999]" {
		t.Errorf("arXiv was asked for %v, want each unknown id once", asked)
	}
	// The fetched paper is stored, and a second import finds it without asking arXiv.
	out, _, err = runMain(t, votes, "votes", "import", "--db", db, "--config", conf, "--channel", "slack:C1", "-")
	if err != nil || !strings.Contains(out, "1 matched (0 new votes, 1 already there)") || strings.Contains(out, "fetched from arXiv") {
		t.Errorf("second import: %v\n%s", err, out)
	}
}
