package store

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// stemCorpusPath is the shared corpus of real titles and abstracts (JSON lines).
const stemCorpusPath = "../../shared/corpus/seed-papers.jsonl"

// stemCorpusTexts returns title+" "+abstract of every paper of the seed corpus, or skips
// the test when the corpus is absent.
func stemCorpusTexts(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(stemCorpusPath)
	if os.IsNotExist(err) {
		t.Skipf("seed corpus %s not present", stemCorpusPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var p struct{ Title, Abstract string }
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", stemCorpusPath, err)
		}
		texts = append(texts, p.Title+" "+p.Abstract)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(texts) == 0 {
		t.Fatalf("%s: no papers", stemCorpusPath)
	}
	return texts
}

// stemOpenFTS opens a private in-memory database (one connection, so one database) with an
// FTS5 table t using tokenizer tok and an fts5vocab 'instance' table v over it.
func stemOpenFTS(t *testing.T, tok string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		fmt.Sprintf(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize=%q)`, tok),
		`CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// stemInsertRows inserts texts[i] as row i+1 of t.
func stemInsertRows(t *testing.T, db *sql.DB, texts []string) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	st, err := tx.Prepare(`INSERT INTO t(rowid, x) VALUES (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		if _, err := st.Exec(i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func stemIsASCII(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestPorterMatchesSQLite checks paperboy.PorterStem against SQLite's own porter
// tokenizer on every distinct ASCII word (3..64 bytes) of the seed corpus.
func TestPorterMatchesSQLite(t *testing.T) {
	texts := stemCorpusTexts(t)
	seen := map[string]bool{}
	var words []string
	for _, s := range texts {
		for _, w := range paperboy.Words(s) {
			if len(w) >= 3 && len(w) <= 64 && stemIsASCII(w) && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	sort.Strings(words)

	db := stemOpenFTS(t, "porter ascii")
	stemInsertRows(t, db, words)
	rows, err := db.Query(`SELECT term, doc FROM v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := make([]string, len(words))
	got := 0
	for rows.Next() {
		var term string
		var doc int
		if err := rows.Scan(&term, &doc); err != nil {
			t.Fatal(err)
		}
		if doc < 1 || doc > len(words) || want[doc-1] != "" {
			t.Fatalf("fts5vocab: unexpected row (%q, %d)", term, doc)
		}
		want[doc-1] = term
		got++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got != len(words) {
		t.Fatalf("SQLite returned %d stems for %d words", got, len(words))
	}

	var bad []string
	for i, w := range words {
		if s := paperboy.PorterStem(w); s != want[i] {
			bad = append(bad, fmt.Sprintf("%s: got %q, want %q", w, s, want[i]))
		}
	}
	t.Logf("PorterStem agrees with SQLite on %d of %d distinct words", len(words)-len(bad), len(words))
	if len(bad) > 0 {
		t.Errorf("%d disagreements; first ones:\n%s", len(bad), strings.Join(bad[:min(20, len(bad))], "\n"))
	}
}

// stemEdgeWords are words that reach the rare corners of the Porter code: the shortest
// words each rule applies to, digits and raw UTF-8 bytes (consonants to the stemmer), y
// as vowel or consonant, and the 64-byte limit.
var stemEdgeWords = []string{
	"aed", "eed", "ied", "ies", "sss", "ses", "aes", "oed", "aing", "eing", "ying", "bing",
	"ing", "ed", "s", "ss", "sses", "ness", "ful", "ement", "ment", "ent", "ion", "sion",
	"tion", "ational", "tional", "ization", "alism", "biliti", "ousli", "entli", "logi",
	"hopeful", "agreed", "feed", "plastered", "bled", "motoring", "sing", "conflated",
	"troubled", "sized", "hopping", "tanned", "falling", "hissing", "fizzed", "failing",
	"filing", "happy", "sky", "syzygy", "yyy", "rely", "electriciti", "triplicate",
	"formative", "formalize", "electrical", "goodness", "revival", "allowance", "inference",
	"airliner", "gyroscopic", "adjustable", "defensible", "irritant", "replacement",
	"adjustment", "dependent", "adoption", "homologou", "communism", "activate",
	"angulariti", "homologous", "effective", "bowdlerize", "probate", "rate", "cease",
	"controll", "roll", "3ded", "x2ing", "h100s", "gpt4o", "1990s", "b2b", "caf\u00e9s",
	"na\u00efve", "\u00fcbersetzungen", "stra\u00dfe", "\u0161koda", "\u4e2d\u6587ing",
	strings.Repeat("a", 63) + "s", strings.Repeat("a", 64) + "s", strings.Repeat("ab", 32),
	strings.Repeat("\u00e9", 32), strings.Repeat("\u00e9", 31) + "ed",
}

// stemSuffixes are added to corpus words to exercise every rule on real stems.
var stemSuffixes = []string{"s", "es", "ed", "ing", "ly", "ness", "ational", "ization",
	"ful", "ive", "ation", "ism", "able", "ement", "ous", "y", "ize", "er", "e", "al"}

// TestPorterMatchesSQLiteEdges checks PorterStem against SQLite's porter tokenizer (over
// the ascii tokenizer, which keeps digits and raw UTF-8 bytes in words) on edge cases and
// on corpus words with suffixes added.
func TestPorterMatchesSQLiteEdges(t *testing.T) {
	words := append([]string(nil), stemEdgeWords...)
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	if _, err := os.Stat(stemCorpusPath); err == nil {
		for i, s := range stemCorpusTexts(t) {
			if i%10 != 0 {
				continue // a sample keeps the test fast
			}
			for _, w := range paperboy.Words(s) {
				for _, suf := range stemSuffixes {
					if v := w + suf; !seen[v] && len(v) <= 70 {
						seen[v] = true
						words = append(words, v)
					}
				}
			}
		}
	}
	db := stemOpenFTS(t, "porter ascii")
	stemInsertRows(t, db, words)
	want := stemTermsByDoc(t, db, len(words))
	var bad []string
	for i, w := range words {
		if len(want[i]) != 1 {
			t.Fatalf("SQLite split %q into %q", w, want[i])
		}
		if s := paperboy.PorterStem(w); s != want[i][0] {
			bad = append(bad, fmt.Sprintf("%s: got %q, want %q", w, s, want[i][0]))
		}
	}
	t.Logf("PorterStem agrees with SQLite on %d of %d words", len(words)-len(bad), len(words))
	if len(bad) > 0 {
		t.Errorf("%d disagreements; first ones:\n%s", len(bad), strings.Join(bad[:min(20, len(bad))], "\n"))
	}
}

// stemTermsByDoc reads the vocab instance table: for each row 1..n, its terms in order.
func stemTermsByDoc(t *testing.T, db *sql.DB, n int) [][]string {
	t.Helper()
	rows, err := db.Query(`SELECT term, doc, "offset" FROM v ORDER BY doc, "offset"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, n)
	for rows.Next() {
		var term string
		var doc, off int
		if err := rows.Scan(&term, &doc, &off); err != nil {
			t.Fatal(err)
		}
		if doc < 1 || doc > n || off != len(out[doc-1]) {
			t.Fatalf("fts5vocab: unexpected row (%q, %d, %d)", term, doc, off)
		}
		out[doc-1] = append(out[doc-1], term)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestIndexTextMatchesSQLite compares the whole Go pipeline (split, fold, stem) with
// SQLite's "porter unicode61 remove_diacritics 2" tokenizer on every paper of the seed
// corpus: position by position, NameText's words must match unicode61's tokens, and each
// word that is not a stop word must stem to SQLite's term.
func TestIndexTextMatchesSQLite(t *testing.T) {
	texts := stemCorpusTexts(t)
	db := stemOpenFTS(t, "porter unicode61 remove_diacritics 2")
	stemInsertRows(t, db, texts)
	want := stemTermsByDoc(t, db, len(texts))
	var bad []string
	terms := 0
	for i, s := range texts {
		words := strings.Fields(paperboy.NameText(s))
		var stems []string
		for j, w := range words {
			if paperboy.IsStopWord(w) {
				continue
			}
			stems = append(stems, paperboy.PorterStem(w))
			terms++
			if j >= len(want[i]) || paperboy.PorterStem(w) != want[i][j] {
				got := ""
				if j < len(want[i]) {
					got = want[i][j]
				}
				bad = append(bad, fmt.Sprintf("paper %d word %d %q: got %q, want %q", i+1, j, w, paperboy.PorterStem(w), got))
				break
			}
		}
		if len(words) != len(want[i]) {
			bad = append(bad, fmt.Sprintf("paper %d: got %d words, want %d", i+1, len(words), len(want[i])))
		}
		if got, want := paperboy.IndexText(s), strings.Join(stems, " "); got != want {
			t.Errorf("paper %d: IndexText = %q, want NameText words stemmed %q", i+1, got, want)
		}
	}
	t.Logf("%d papers, %d index terms, %d disagreements with SQLite", len(texts), terms, len(bad))
	if len(bad) > 0 {
		t.Errorf("first ones:\n%s", strings.Join(bad[:min(20, len(bad))], "\n"))
	}
}
