package paperboy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sort orders for search.
const (
	SortRelevance = "relevance"
	SortNew       = "new"
	SortVotes     = "votes"
)

// MaxQueryLen bounds the text a query may carry; longer input is cut, never an error
// (Query.Ignored says so).
const MaxQueryLen = 10 << 10

// Limits of a query, which search and subscription matching share. ParseQuery keeps what
// fits and lists the rest in Query.Ignored, so the reply can say what was left out.
const (
	MaxWordLen      = 64 // bytes; longer words are not words (the index tokenizer's limit)
	MaxQueryWords   = 16 // distinct words that are not stop words; also words per phrase
	MaxQueryPhrases = 8
	MaxQueryExclude = 16
	MaxQueryFilters = 8 // author: values, and cat: values
)

// Query is a parsed search or subscription filter. It is built from user text by
// ParseQuery; none of its strings is ever handed to FTS5 raw.
type Query struct {
	Terms      []string  // plain words, lower-cased, punctuation stripped
	Phrases    []string  // "quoted phrases", lower-cased
	Exclude    []string  // -word and -"phrase"
	Authors    []string  // author:NAME (substring of an author's name, case-insensitive)
	Categories []string  // cat:cs.LG; a value without a dot ("cs") matches the archive
	Since      time.Time // since:7d / 2y / 2024-01-01
	MinUpvotes int       // upvotes:10 (Hugging Face upvotes)
	Sort       string    // relevance (default), new, votes
	// Options holds key:value pairs for keys the caller asked ParseQuery to recognise
	// (the bot's digest:daily@09:00, for example).
	Options map[string]string
	// Ignored says, for people, what ParseQuery left out of the text: tokens with no
	// letters or digits, words longer than MaxWordLen, what went over a limit. Not part of
	// String.
	Ignored []string
}

// IsEmpty reports whether q selects nothing in particular (no words and no filters).
func (q *Query) IsEmpty() bool {
	return len(q.Terms) == 0 && len(q.Phrases) == 0 && len(q.Exclude) == 0 &&
		len(q.Authors) == 0 && len(q.Categories) == 0 && q.Since.IsZero() && q.MinUpvotes == 0
}

// Text returns the words and phrases of q as plain text (what a search engine scores).
func (q *Query) Text() string {
	parts := append([]string{}, q.Terms...)
	parts = append(parts, q.Phrases...)
	return strings.Join(parts, " ")
}

// String renders q back in the chat grammar, canonicalised; used to show a subscription.
func (q *Query) String() string {
	var parts []string
	for _, c := range q.Categories {
		parts = append(parts, "cat:"+c)
	}
	for _, a := range q.Authors {
		parts = append(parts, "author:"+quoteIfSpace(a))
	}
	parts = append(parts, q.Terms...)
	for _, p := range q.Phrases {
		parts = append(parts, `"`+p+`"`)
	}
	for _, e := range q.Exclude {
		parts = append(parts, "-"+quoteIfSpace(e))
	}
	if q.MinUpvotes > 0 {
		parts = append(parts, "upvotes:"+strconv.Itoa(q.MinUpvotes))
	}
	if !q.Since.IsZero() {
		parts = append(parts, "since:"+q.Since.Format("2006-01-02"))
	}
	if q.Sort != "" && q.Sort != SortRelevance {
		parts = append(parts, "sort:"+q.Sort)
	}
	return strings.Join(parts, " ")
}

func quoteIfSpace(s string) string {
	if strings.ContainsRune(s, ' ') {
		return `"` + s + `"`
	}
	return s
}

// ParseQuery parses user text in the chat grammar:
//
//	words "a phrase" -excluded -"excluded phrase" author:NAME author:"First Last"
//	cat:cs.LG since:7d|2w|3m|2y|2024-01-01 sort:relevance|new|votes upvotes:10
//
// plus key:value pairs for the extraKeys the caller names (returned in Options). Unknown
// key:value tokens are plain words. Quotes may be unbalanced; FTS5 operators (AND, OR, NOT,
// NEAR, *, parentheses) are plain words or punctuation. It returns an EINVALID error for a
// bad filter value (since:abc, sort:best), with a message that says what is allowed, and
// for words that are all stop words ("the of") without a filter.
func ParseQuery(text string, now time.Time, extraKeys ...string) (Query, error) {
	var q Query
	if len(text) > MaxQueryLen {
		text = text[:MaxQueryLen]
		q.Ignored = append(q.Ignored, fmt.Sprintf("everything after the first %d bytes", MaxQueryLen))
	}
	text = strings.ToValidUTF8(text, " ")
	for _, tok := range tokenize(text) {
		if tok.quoted {
			words := Words(tok.text)
			if len(words) == 0 {
				q.ignore(tok, "has no letters or digits")
			}
			if len(words) > 0 {
				phrase := strings.Join(words, " ")
				switch {
				case tok.neg:
					q.Exclude = append(q.Exclude, phrase)
				case len(words) == 1:
					q.Terms = append(q.Terms, phrase)
				default:
					q.Phrases = append(q.Phrases, phrase)
				}
			}
			continue
		}
		if key, val, ok := strings.Cut(tok.text, ":"); ok && !tok.neg && val != "" {
			handled, err := q.setFilter(strings.ToLower(key), val, now, extraKeys)
			if err != nil {
				return Query{}, err
			}
			if handled {
				continue
			}
		}
		words := Words(tok.text)
		if len(words) == 0 {
			q.ignore(tok, "has no letters or digits")
			continue
		}
		if tok.neg {
			q.Exclude = append(q.Exclude, strings.Join(words, " "))
			continue
		}
		for _, w := range words {
			if len(w) > MaxWordLen {
				q.Ignored = append(q.Ignored, fmt.Sprintf("%s is too long to be a word (over %d characters)", quoteShort(w), MaxWordLen))
				continue
			}
			q.Terms = append(q.Terms, w)
		}
	}
	q.limit()
	if err := q.checkStopWords(); err != nil {
		return Query{}, err
	}
	return q, nil
}

func (q *Query) ignore(tok token, why string) {
	s := tok.text
	if tok.quoted {
		s = `"` + s + `"`
	}
	if tok.neg {
		s = "-" + s
	}
	q.Ignored = append(q.Ignored, quoteShort(s)+" "+why)
}

// quoteShort quotes s for a message, cut to 40 characters.
func quoteShort(s string) string { return strconv.Quote(cutRunes(s, 40)) }

// limit keeps what fits the query limits (MaxQueryWords ...) and notes the rest in
// Ignored. Repeated words count once; stop words, which constrain nothing, do not count.
func (q *Query) limit() {
	seen := map[string]bool{}
	terms, n := q.Terms[:0], 0
	var over []string
	for _, t := range q.Terms {
		if seen[t] {
			continue
		}
		seen[t] = true
		if IndexText(t) != "" {
			if n == MaxQueryWords {
				over = append(over, t)
				continue
			}
			n++
		}
		terms = append(terms, t)
	}
	q.Terms = terms
	if len(over) > 0 {
		q.Ignored = append(q.Ignored, fmt.Sprintf("the words after the first %d: %s", MaxQueryWords, strings.Join(over, " ")))
	}
	for i, p := range q.Phrases {
		if w := strings.Fields(p); len(w) > MaxQueryWords {
			q.Phrases[i] = strings.Join(w[:MaxQueryWords], " ")
			q.Ignored = append(q.Ignored, fmt.Sprintf("the words of %s after the first %d", quoteShort(p), MaxQueryWords))
		}
	}
	for i, e := range q.Exclude {
		if w := strings.Fields(e); len(w) > MaxQueryWords {
			q.Exclude[i] = strings.Join(w[:MaxQueryWords], " ")
			q.Ignored = append(q.Ignored, fmt.Sprintf("the words of -%s after the first %d", quoteShort(e), MaxQueryWords))
		}
	}
	cut := func(list []string, n int, what string) []string {
		if len(list) <= n {
			return list
		}
		q.Ignored = append(q.Ignored, fmt.Sprintf("the %s after the first %d: %s", what, n, cutRunes(strings.Join(list[n:], " "), 80)))
		return list[:n]
	}
	q.Phrases = cut(q.Phrases, MaxQueryPhrases, "phrases")
	q.Exclude = cut(q.Exclude, MaxQueryExclude, "exclusions")
	q.Authors = cut(q.Authors, MaxQueryFilters, "author: values")
	q.Categories = cut(q.Categories, MaxQueryFilters, "cat: values")
}

// HasFilter reports whether q narrows by something other than words: author, category,
// date or upvotes.
func (q *Query) HasFilter() bool {
	return len(q.Authors)+len(q.Categories) > 0 || !q.Since.IsZero() || q.MinUpvotes > 0
}

// Usable returns nil when q looks for something: a word or phrase the index holds, or a
// filter (HasFilter). Otherwise it returns an EINVALID error that says there is nothing to
// look for and why: what ParseQuery ignored, and exclusions, which alone only leave
// papers out (with a filter, "cat:cs.LG -survey" is a fine query). A search would
// otherwise list the newest papers, and a subscription match everything or nothing.
func (q *Query) Usable() error {
	if q.HasFilter() {
		return nil
	}
	for _, t := range append(append([]string{}, q.Terms...), q.Phrases...) {
		if IndexText(t) != "" {
			return nil
		}
	}
	reasons := append([]string{}, q.Ignored...)
	if len(q.Exclude) > 0 {
		ex := make([]string, len(q.Exclude))
		for i, e := range q.Exclude {
			ex[i] = "-" + quoteIfSpace(e)
		}
		reasons = append(reasons, cutRunes(strings.Join(ex, " "), 80)+" only leaves papers out")
	}
	msg := "There is nothing to look for"
	if len(reasons) > 0 {
		msg += ": " + strings.Join(reasons, "; ")
	}
	return Errorf(EINVALID, "%s. Add a word, or a filter such as cat:cs.LG or author:NAME.", msg)
}

// cutRunes cuts s to at most n runes (n > 0), ending with "…" when it cut.
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// checkStopWords rejects a query whose words are all stop words (left out of the index,
// see IsStopWord) and that has no filter: it would match nothing in a search and
// everything in a subscription.
func (q *Query) checkStopWords() error {
	if len(q.Terms)+len(q.Phrases) == 0 || len(q.Authors)+len(q.Categories) > 0 || !q.Since.IsZero() || q.MinUpvotes > 0 {
		return nil
	}
	for _, t := range append(append([]string{}, q.Terms...), q.Phrases...) {
		if IndexText(t) != "" {
			return nil
		}
	}
	words := q.Text()
	if len(words) > 60 {
		words = words[:60] + "…"
	}
	return Errorf(EINVALID, "%q is only very common words, which are not indexed; add a more specific word or a filter such as cat:cs.LG", words)
}

func (q *Query) setFilter(key, val string, now time.Time, extraKeys []string) (bool, error) {
	switch key {
	case "author", "au", "by":
		if name := CollapseSpace(strings.Trim(val, `"`)); name != "" {
			q.Authors = append(q.Authors, name)
		}
	case "cat", "category":
		for _, c := range strings.Split(val, ",") {
			if c = strings.TrimSpace(c); c != "" {
				q.Categories = append(q.Categories, c)
			}
		}
	case "since":
		t, err := ParseSince(val, now)
		if err != nil {
			return false, err
		}
		q.Since = t
	case "sort":
		switch s := strings.ToLower(val); s {
		case SortRelevance, SortNew, SortVotes:
			q.Sort = s
		default:
			return false, Errorf(EINVALID, "sort:%s is not a sort order; use sort:relevance, sort:new or sort:votes", val)
		}
	case "upvotes", "minupvotes":
		n, err := strconv.Atoi(strings.TrimLeft(val, ">="))
		if err != nil || n < 0 || n > 1_000_000 {
			return false, Errorf(EINVALID, "upvotes:%s is not a number of upvotes; try upvotes:10", val)
		}
		q.MinUpvotes = n
	default:
		for _, k := range extraKeys {
			if k == key {
				if q.Options == nil {
					q.Options = map[string]string{}
				}
				q.Options[key] = val
				return true, nil
			}
		}
		return false, nil
	}
	return true, nil
}

// ParseSince parses a since: value: a relative age (30m, 12h, 7d, 2w, 3m = months, 2y)
// counted back from now, or a date (2024-01-01, 2024-01, 2024).
func ParseSince(val string, now time.Time) (time.Time, error) {
	bad := Errorf(EINVALID, "since:%s is not a date or an age; try since:7d, since:2w, since:3m, since:1y or since:2024-01-01", val)
	val = strings.ToLower(strings.TrimSpace(val))
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.ParseInLocation(layout, val, time.UTC); err == nil {
			return t, nil
		}
	}
	if len(val) < 2 {
		return time.Time{}, bad
	}
	n, err := strconv.Atoi(val[:len(val)-1])
	if err != nil || n < 0 || n > 100_000 {
		return time.Time{}, bad
	}
	switch val[len(val)-1] {
	case 'h':
		return now.Add(-time.Duration(n) * time.Hour), nil
	case 'd':
		return now.AddDate(0, 0, -n), nil
	case 'w':
		return now.AddDate(0, 0, -7*n), nil
	case 'm':
		return now.AddDate(0, -n, 0), nil
	case 'y':
		return now.AddDate(-n, 0, 0), nil
	}
	return time.Time{}, bad
}

type token struct {
	text   string
	quoted bool
	neg    bool
}

// tokenize splits on white space, keeping "quoted runs" (straight or curly quotes; an
// unbalanced quote runs to the end) and key:"quoted values" together.
func tokenize(s string) []token {
	var out []token
	isQuote := func(r rune) bool { return r == '"' || r == '“' || r == '”' }
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsSpace(r) {
			s = s[size:]
			continue
		}
		neg := false
		if r == '-' && len(s) > size {
			if r2, _ := utf8.DecodeRuneInString(s[size:]); !unicode.IsSpace(r2) {
				neg = true
				s = s[size:]
				r, size = utf8.DecodeRuneInString(s)
			}
		}
		if isQuote(r) {
			rest := s[size:]
			end := strings.IndexFunc(rest, isQuote)
			if end < 0 {
				out = append(out, token{text: rest, quoted: true, neg: neg})
				return out
			}
			out = append(out, token{text: rest[:end], quoted: true, neg: neg})
			_, qs := utf8.DecodeRuneInString(rest[end:])
			s = rest[end+qs:]
			continue
		}
		// A bare token; key:"quoted value" keeps its quoted part.
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			end = len(s)
		}
		word := s[:end]
		if i := strings.Index(word, `:"`); i > 0 {
			rest := s[i+2:]
			if j := strings.IndexByte(rest, '"'); j >= 0 {
				word = s[:i+1] + rest[:j]
				end = i + 2 + j + 1
			}
		}
		out = append(out, token{text: word, neg: neg})
		s = s[end:]
	}
	return out
}

// Words splits text into lower-case words of letters and digits (dots, hyphens and other
// punctuation separate words), the way queries and subscription matching see text.
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Match reports whether paper p passes the filter: every category and author clause (any
// of the values), the upvote floor, since, every word (stem match) and phrase in the title
// or abstract, and none of the excluded words or phrases. Sort is ignored. Words and
// phrases made only of stop words constrain nothing, as in search.
func (q *Query) Match(p *Paper) bool {
	var t MatchText
	return q.MatchCached(p, &t)
}

// MatchText holds a paper's title and abstract as Match compares them (index terms), so
// that matching one paper against many filters computes them once: start from the zero
// value, one per paper, and pass it to every MatchCached call for that paper.
type MatchText struct {
	set    map[string]bool // nil until filled
	joined string          // the terms, space separated, with a space at each end
}

func (t *MatchText) fill(p *Paper) {
	if t.set != nil {
		return
	}
	// Words compare as the search index sees them (AppendIndexTerms: Porter stems, no stop
	// words), so a subscription and a search with the same words find the same papers.
	terms := AppendIndexTerms(nil, p.Title+" "+p.Abstract)
	t.set = make(map[string]bool, len(terms))
	for _, w := range terms {
		t.set[w] = true
	}
	t.joined = " " + strings.Join(terms, " ") + " "
}

// MatchCached is Match with p's terms kept in t (see MatchText) for the next filter.
func (q *Query) MatchCached(p *Paper, t *MatchText) bool {
	if len(q.Categories) > 0 && !matchCategory(q.Categories, p.Categories) {
		return false
	}
	if len(q.Authors) > 0 && !matchAuthor(q.Authors, p.Authors) {
		return false
	}
	if p.Upvotes < q.MinUpvotes {
		return false
	}
	if !q.Since.IsZero() && !p.Published.IsZero() && p.Published.Before(q.Since) {
		return false
	}
	if len(q.Terms) == 0 && len(q.Phrases) == 0 && len(q.Exclude) == 0 {
		return true
	}
	t.fill(p)
	set, joined := t.set, t.joined
	// has reports whether text occurs (one word: anywhere; several: as a phrase); text
	// made only of stop words gives empty.
	has := func(text string, empty bool) bool {
		want := AppendIndexTerms(nil, text)
		switch len(want) {
		case 0:
			return empty
		case 1:
			return set[want[0]]
		}
		return strings.Contains(joined, " "+strings.Join(want, " ")+" ")
	}
	for _, t := range q.Terms {
		if !has(t, true) {
			return false
		}
	}
	for _, ph := range q.Phrases {
		if !has(ph, true) {
			return false
		}
	}
	for _, e := range q.Exclude {
		if has(e, false) {
			return false
		}
	}
	return true
}

func matchCategory(want, have []string) bool {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(w, h) {
				return true
			}
			if !strings.Contains(w, ".") && len(h) > len(w) && strings.EqualFold(h[:len(w)], w) && h[len(w)] == '.' {
				return true
			}
		}
	}
	return false
}

func matchAuthor(want, have []string) bool {
	for _, w := range want {
		w = strings.ToLower(w)
		for _, h := range have {
			if strings.Contains(strings.ToLower(h), w) {
				return true
			}
		}
	}
	return false
}

// Describe renders q for people: "cs.LG papers matching "mixture of experts", not "survey"".
func (q *Query) Describe() string {
	var b strings.Builder
	if len(q.Categories) > 0 {
		b.WriteString(strings.Join(q.Categories, "/") + " papers")
	} else {
		b.WriteString("Papers")
	}
	var match []string
	match = append(match, q.Terms...)
	for _, p := range q.Phrases {
		match = append(match, `"`+p+`"`)
	}
	if len(match) > 0 {
		fmt.Fprintf(&b, " matching %s", strings.Join(match, " "))
	}
	if len(q.Authors) > 0 {
		fmt.Fprintf(&b, " by %s", strings.Join(q.Authors, " or "))
	}
	if len(q.Exclude) > 0 {
		quoted := make([]string, len(q.Exclude))
		for i, e := range q.Exclude {
			quoted[i] = `"` + e + `"`
		}
		fmt.Fprintf(&b, ", not %s", strings.Join(quoted, " or "))
	}
	if q.MinUpvotes > 0 {
		fmt.Fprintf(&b, ", with at least %d HF upvotes", q.MinUpvotes)
	}
	return b.String()
}
