package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

var searchNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// searchFixture stores a few papers with known words, authors, categories and dates.
func searchFixture(t testing.TB) *DB {
	t.Helper()
	db := MustOpenDB(t)
	papers := []paperboy.Paper{
		{ArxivID: "2401.10001", Title: "Attention Entropy Collapse in Transformers", Abstract: "We track attention entropy and show training instability when entropy collapses.",
			Authors: []string{"Shuangfei Zhai", "Tatiana Likhomanenko"}, Categories: []string{"cs.LG", "stat.ML"}, Published: searchNow.AddDate(0, 0, -3)},
		{ArxivID: "2401.10002", Title: "Graph Neural Networks for Molecules", Abstract: "Message passing graph networks predict molecular properties; attention is optional.",
			Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"}, Published: searchNow.AddDate(-2, 0, 0), Upvotes: 50},
		{ArxivID: "2401.10003", Title: "Speech Translation with Large Language Models", Abstract: "A language model translates speech; entropy of outputs is calibrated.",
			Authors: []string{"Grace Hopper"}, Categories: []string{"cs.CL"}, Published: searchNow.AddDate(0, -1, 0)},
		{ArxivID: "2401.10004", Title: "Convex Optimization Bounds", Abstract: "Regret bounds for online convex optimization with gradient feedback.",
			Authors: []string{"Alan Turing"}, Categories: []string{"math.OC"}, Published: searchNow.AddDate(-5, 0, 0)},
		{ArxivID: "2401.10005", Title: "Graphene Sensors", Abstract: "Physical sensors built from graphene sheets.",
			Authors: []string{"Marie Curie"}, Categories: []string{"physics.app-ph"}, Published: searchNow.AddDate(0, 0, -10)},
	}
	for i := range papers {
		papers[i] = mustPaper(t, papers[i])
	}
	mustUpsert(t, db, papers...)
	return db
}

func searchIDs(t testing.TB, db *DB, text string) ([]string, *paperboy.SearchResult) {
	t.Helper()
	q, err := paperboy.ParseQuery(text, searchNow)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	res, err := db.Search(context.Background(), paperboy.SearchRequest{Query: q})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Paper.ID)
	}
	return ids, res
}

func TestSearch(t *testing.T) {
	db := searchFixture(t)
	for _, tc := range []struct {
		query     string
		want      string // expected ids, best first, comma separated; "*" = any, checked only for no error
		corrected string
	}{
		{"attention entropy", "2401.10001,2401.10003,2401.10002", ""}, // all words first, then any word
		{"entropy", "2401.10001,2401.10003", ""},
		{"translating", "2401.10003", ""},      // porter stemming
		{"molecul", "2401.10002", ""},          // last word as prefix
		{"graph", "2401.10002,2401.10005", ""}, // exact before prefix (graphene)
		{"atention entropie", "2401.10001,2401.10003,2401.10002", "attention entropie"},
		{"entropy cat:cs.CL", "2401.10003", ""},
		{"entropy cat:cs", "2401.10001,2401.10003", ""},
		{"cat:math", "2401.10004", ""},
		{"cat:physics", "2401.10005", ""},
		{"author:lovelace", "2401.10002", ""},
		{"author:\"Grace Hopper\" language", "2401.10003", ""},
		{"entropy since:2m", "2401.10001,2401.10003", ""},
		{"since:7d", "2401.10001", ""},
		{"upvotes:10", "2401.10002", ""},
		{"entropy -speech", "2401.10001", ""},
		{"attention -\"entropy collapse\"", "2401.10002", ""},
		{"\"entropy collapse\"", "2401.10001", ""},
		{"entropy sort:new", "2401.10001,2401.10003", ""},
		{"nothingmatcheszzz", "", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			ids, res := searchIDs(t, db, tc.query)
			if got := strings.Join(ids, ","); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if res.Corrected != tc.corrected {
				t.Fatalf("corrected: got %q, want %q", res.Corrected, tc.corrected)
			}
		})
	}
}

// TestSearchHostileInput feeds FTS5 syntax and odd text: each gives results or an
// EINVALID message from the parser, never an SQL error.
func TestSearchHostileInput(t *testing.T) {
	db := searchFixture(t)
	for name, text := range map[string]string{
		"double quotes":     `"attention" "entropy`,
		"unbalanced quote":  `attention "entropy collapse`,
		"lone quote":        `"`,
		"star":              `atten* *`,
		"minus":             `- -- -attention entropy-collapse`,
		"NEAR":              `NEAR(attention entropy, 2)`,
		"AND OR NOT":        `attention AND entropy OR NOT graph`,
		"parentheses":       `((attention) entropy))(`,
		"column filter":     `title:attention {title}: entropy`,
		"caret and plus":    `^attention +entropy`,
		"emoji":             `🚀 attention 🔥 entropy 🤖`,
		"only emoji":        `🚀🔥`,
		"control chars":     "attention\x00entropy\x1b[31m",
		"invalid utf8":      "attention \xff\xfe entropy",
		"sql":               `'; DROP TABLE papers; --`,
		"10 KB":             strings.Repeat("attention entropy collapse ", 400),
		"10 KB one word":    strings.Repeat("a", 10<<10),
		"many filters":      strings.Repeat("cat:cs.LG author:x ", 100),
		"empty":             ``,
		"only spaces":       `    `,
		"colon":             `:`,
		"cat empty":         `cat: author:`,
		"bad since":         `attention since:yesterday`,
		"bad sort":          `attention sort:best`,
		"exclusion only":    `-attention`,
		"phrase of symbols": `"* - ( )"`,
	} {
		t.Run(name, func(t *testing.T) {
			q, err := paperboy.ParseQuery(text, searchNow)
			if err != nil {
				if paperboy.ErrorCode(err) != paperboy.EINVALID || paperboy.ErrorMessage(err) == "" {
					t.Fatalf("parse: got %v, want an EINVALID message", err)
				}
				return
			}
			res, err := db.Search(context.Background(), paperboy.SearchRequest{Query: q})
			if err != nil {
				t.Fatalf("search: got error %v, want results", err)
			}
			if res.Partial {
				t.Fatalf("search of a 5-paper store was cut short")
			}
		})
	}
}

func TestSearchVotes(t *testing.T) {
	db := searchFixture(t)
	for _, v := range []struct {
		paper, channel, user string
		value                int
	}{
		{"2401.10003", "slack:C1", "U1", 1}, {"2401.10003", "slack:C1", "U2", 1},
		{"2401.10001", "slack:C2", "U1", 1}, {"2401.10001", "slack:C2", "U2", 1}, {"2401.10001", "slack:C2", "U3", 1},
	} {
		if _, err := db.write.Exec(`INSERT INTO votes (paper_id, channel, user_id, value, at) VALUES (?, ?, ?, ?, 0)`, v.paper, v.channel, v.user, v.value); err != nil {
			t.Fatal(err)
		}
	}
	q, _ := paperboy.ParseQuery("entropy sort:votes", searchNow)
	for _, tc := range []struct{ channel, want string }{
		{"slack:C1", "2401.10003:2,2401.10001:0"},
		{"slack:C2", "2401.10001:3,2401.10003:0"},
		{"", "2401.10001:3,2401.10003:2"},
	} {
		res, err := db.Search(context.Background(), paperboy.SearchRequest{Query: q, Channel: tc.channel})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, fmt.Sprintf("%s:%d", h.Paper.ID, h.Votes))
		}
		if g := strings.Join(got, ","); g != tc.want {
			t.Fatalf("channel %q: got %s, want %s", tc.channel, g, tc.want)
		}
	}
}

func TestSearchDeadline(t *testing.T) {
	db := searchFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := db.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"entropy"}}})
	if err != nil {
		t.Fatalf("got error %v, want a partial result", err)
	}
	if !res.Partial {
		t.Fatalf("got a complete result from a cancelled context, want Partial")
	}
}

func TestSimilarPapers(t *testing.T) {
	db := searchFixture(t)
	hits, err := db.SimilarPapers(context.Background(), "2401.10001", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 {
		t.Fatalf("got no similar papers, want the entropy paper 2401.10003")
	}
	for _, h := range hits {
		if h.Paper.ID == "2401.10001" {
			t.Fatalf("similar papers include the paper itself")
		}
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Paper.ID)
	}
	if got := strings.Join(ids, ","); !strings.Contains(got, "2401.10003") || strings.Contains(got, "2401.10004") {
		t.Fatalf("similar papers: got %s, want the entropy paper 2401.10003 and not the convex one", got)
	}
	if _, err := db.SimilarPapers(context.Background(), "2499.99999", 5); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Fatalf("unknown paper: got %v, want not found", err)
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{`attention "entropy`, `NEAR(a b) AND -c*`, `cat:cs author:"x y" since:2y sort:votes`, "🚀 ((", `""""`, `-"a b" -c`, "a\x00b"} {
		f.Add(s)
	}
	db := searchFixture(f)
	f.Fuzz(func(t *testing.T, text string) {
		q, err := paperboy.ParseQuery(text, searchNow)
		if err != nil {
			if paperboy.ErrorCode(err) != paperboy.EINVALID {
				t.Fatalf("parse %q: %v", text, err)
			}
			return
		}
		if _, err := db.Search(context.Background(), paperboy.SearchRequest{Query: q}); err != nil {
			t.Fatalf("search %q: %v", text, err)
		}
	})
}

// TestSearchLargeMatchSets runs queries through the path for words too common for bm25
// (newest matches ranked by title and word rarity), forced by a zero cost limit.
func TestSearchLargeMatchSets(t *testing.T) {
	db := searchFixture(t)
	defer func(c, s int, d int64) { maxCountRows, maxScoreRows, denseSpan = c, s, d }(maxCountRows, maxScoreRows, denseSpan)
	maxCountRows, maxScoreRows = 0, 0
	for _, span := range []int64{50, -1} { // title checks in FTS5, then on loaded titles
		denseSpan = span
		t.Run(fmt.Sprint("span ", span), func(t *testing.T) { searchLargeMatchSets(t, db) })
	}
}

func searchLargeMatchSets(t *testing.T, db *DB) {
	for _, tc := range []struct {
		query string
		first string // expected best hit
		all   string // expected hits, sorted, comma separated
	}{
		{"attention entropy", "2401.10001", "2401.10001,2401.10002,2401.10003"},
		{"entropy", "2401.10001", "2401.10001,2401.10003"}, // title match first
		{"translating", "2401.10003", "2401.10003"},
		{"molecul", "2401.10002", "2401.10002"},
		{"graph", "", "2401.10002,2401.10005"},
		{"atention entropie", "2401.10001", "2401.10001,2401.10002,2401.10003"},
		{"entropy cat:cs.CL", "2401.10003", "2401.10003"},
		{"entropy since:2m", "2401.10001", "2401.10001,2401.10003"},
		{"entropy -speech", "2401.10001", "2401.10001"},
		{"\"entropy collapse\"", "2401.10001", "2401.10001"},
		{"entropy sort:new", "2401.10001", "2401.10001,2401.10003"},
		{"nothingmatcheszzz", "", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			ids, _ := searchIDs(t, db, tc.query)
			if tc.first != "" && (len(ids) == 0 || ids[0] != tc.first) {
				t.Fatalf("got %v, want %s first", ids, tc.first)
			}
			sorted := append([]string(nil), ids...)
			slices.Sort(sorted)
			if got := strings.Join(sorted, ","); got != tc.all {
				t.Fatalf("got %q, want %q", got, tc.all)
			}
		})
	}
}

func TestCrudeStem(t *testing.T) {
	for _, tc := range [][2]string{
		{"images", "image"}, {"learning", "learned"}, {"models", "model"}, {"networks", "network"},
		{"translations", "translate"},
	} {
		if a, b := crudeStem(tc[0]), crudeStem(tc[1]); a != b {
			t.Errorf("crudeStem(%q) = %q, crudeStem(%q) = %q, want equal", tc[0], a, tc[1], b)
		}
	}
	if a, b := crudeStem("graph"), crudeStem("graphene"); a == b {
		t.Errorf("crudeStem(graph) = crudeStem(graphene) = %q, want different", a)
	}
}
