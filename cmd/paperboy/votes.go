package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/ingest"
	"github.com/paperboy-bot/paperboy/store"
)

// importUser is the user recorded for imported votes without one.
const importUser = "import"

// voteLine is one line of a JSONL votes file: a contract for scripts.
type voteLine struct {
	Paper string `json:"paper"` // arXiv id or URL, DOI, or title
	Vote  int    `json:"vote"`  // 1 or -1
	User  string `json:"user,omitempty"`
}

// voteRef is one vote to import and the line it came from.
type voteRef struct {
	line              int
	arxiv, doi, title string
	raw               string // as written, for messages
	value             int
	user              string
	invalid           string
}

// runVotes is `paperboy votes import --channel KEY FILE`.
func (m *Main) runVotes(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(m.Stderr, "Usage: paperboy votes import --channel KEY FILE|-\n\nFILE is a BibTeX library (every entry a liked paper) or JSONL lines {\"paper\": \"<arXiv id, DOI or title>\", \"vote\": 1|-1, \"user\": \"optional\"}.\n")
		return errUsage
	}
	var c common
	fs := m.newFlags("votes import", "--channel KEY FILE|-", &c)
	channel := fs.String("channel", "", "channel `key` as `status` shows it (slack:C0123, shell:terminal, ...)")
	noFetch := fs.Bool("no-fetch", false, "do not fetch papers missing from the store from arXiv (arXiv ids only)")
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 || *channel == "" {
		fs.Usage()
		return errUsage
	}
	if err := checkChannelKey(*channel); err != nil {
		return err
	}
	cfg, err := m.loadConfig(&c, config.Fetching)
	if err != nil {
		return err
	}
	in, err := m.stdinOrFile(rest[0])
	if err != nil {
		return err
	}
	defer in.Close()
	refs, err := readVotes(in)
	if err != nil {
		return fmt.Errorf("%s: %s", rest[0], paperboy.ErrorMessage(err))
	}
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var matched, fresh, notFound, invalid, fetched int
	var notFoundLines []int
	// A paper named by its arXiv id and missing from the store is fetched from arXiv and
	// stored quietly (never announced), once per id; arXiv asks for a request every 3 s.
	var arxiv *ingest.Arxiv
	if !*noFetch {
		arxiv = newSources(cfg, m.logger(cfg)).arxiv
	}
	w := bufio.NewWriter(m.Stdout)
	defer w.Flush()
	for _, r := range refs {
		if r.invalid != "" {
			invalid++
			fmt.Fprintf(w, "line %d: invalid: %s\n", r.line, r.invalid)
			continue
		}
		p, err := findVoted(ctx, db, r)
		if paperboy.ErrorCode(err) == paperboy.ENOTFOUND && arxiv != nil && r.arxiv != "" {
			var got bool
			if p, got, err = fetchVoted(ctx, db, arxiv, r.arxiv); got {
				fetched++
				fmt.Fprintf(m.Stderr, "line %d: fetched %s from arXiv\n", r.line, p.ID)
			}
		}
		if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
			notFound++
			notFoundLines = append(notFoundLines, r.line)
			fmt.Fprintf(w, "line %d: not found: %s\n", r.line, clipRunes(r.raw, 120))
			continue
		}
		if err != nil {
			return err
		}
		changed, err := db.CastVote(ctx, paperboy.Vote{PaperID: p.ID, Channel: *channel, User: r.user, Value: r.value, Via: paperboy.ViaImport})
		if err != nil {
			return err
		}
		matched++
		if changed {
			fresh++
		}
	}
	fmt.Fprintf(w, "%d matched (%d new votes, %d already there), %d not found", matched, fresh, matched-fresh, notFound)
	if len(notFoundLines) > 0 {
		fmt.Fprintf(w, " (lines %s)", joinInts(notFoundLines))
	}
	if invalid > 0 {
		fmt.Fprintf(w, ", %d invalid", invalid)
	}
	if fetched > 0 {
		fmt.Fprintf(w, "; %d of the matched fetched from arXiv", fetched)
	}
	fmt.Fprintln(w, ".")
	if notFound > 0 {
		if arxiv != nil {
			fmt.Fprintln(w, "Papers not found by DOI or title (and arXiv ids arXiv does not know) were skipped: add them with `paperboy ingest` (or `/papers add`) and import again.")
		} else {
			fmt.Fprintln(w, "Papers not found were not fetched (--no-fetch): add them with `paperboy ingest` (or `/papers add`) and import again.")
		}
	}
	return nil
}

// fetchVoted fetches an arXiv paper missing from the store and stores it quietly. got is
// false when arXiv does not know it (ENOTFOUND) or could not be asked; an unreachable arXiv
// is reported as not found for that line, not as the end of the import.
func fetchVoted(ctx context.Context, db *store.DB, arxiv *ingest.Arxiv, id string) (*paperboy.Paper, bool, error) {
	p, err := arxiv.FetchPaper(ctx, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		return nil, false, paperboy.Errorf(paperboy.ENOTFOUND, "arXiv: %s", paperboy.ErrorMessage(err))
	}
	p.Quiet = true
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{*p}); err != nil {
		return nil, false, err
	}
	stored, err := db.FindPaper(ctx, p.ArxivID)
	return stored, err == nil, err
}

// findVoted finds the stored paper a vote names: by arXiv id, then DOI, then title.
func findVoted(ctx context.Context, db *store.DB, r voteRef) (*paperboy.Paper, error) {
	for _, ref := range []string{r.arxiv, r.doi} {
		if ref == "" {
			continue
		}
		p, err := db.FindPaper(ctx, ref)
		if code := paperboy.ErrorCode(err); code != paperboy.ENOTFOUND && code != paperboy.EINVALID {
			return p, err
		}
	}
	if r.title != "" {
		return db.FindPaperByTitle(ctx, r.title)
	}
	return nil, paperboy.Errorf(paperboy.ENOTFOUND, "nothing to match")
}

// readVotes reads a votes file: JSONL when its first non-blank character is '{', else
// BibTeX.
func readVotes(r io.Reader) ([]voteRef, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3) // a UTF-8 byte order mark
	}
	skipped := 0 // lines before the first character, so that line numbers stay the file's
	for {
		c, err := br.ReadByte()
		if err != nil {
			return nil, nil // empty
		}
		if c == '\n' {
			skipped++
		}
		if strings.IndexByte(" \t\r\n", c) >= 0 {
			continue
		}
		br.UnreadByte()
		if c == '{' {
			return readVotesJSONL(br, skipped)
		}
		return readVotesBibTeX(br, skipped)
	}
}

func readVotesBibTeX(r io.Reader, skipped int) ([]voteRef, error) {
	entries, err := ingest.ParseBibTeX(r)
	if err != nil {
		return nil, err
	}
	var out []voteRef
	for _, e := range entries {
		v := voteRef{line: skipped + e.Line, value: 1, user: importUser}
		if e.Err != "" {
			v.invalid = e.Err
		} else {
			v.arxiv, v.doi, v.title = e.Refs()
			v.raw = firstNonEmpty(v.title, v.arxiv, v.doi, "@"+e.Type+"{"+e.Key)
			if v.arxiv == "" && v.doi == "" && v.title == "" {
				v.invalid = "entry " + e.Key + " has no arXiv id, DOI or title"
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// maxVoteLine bounds one JSONL line, maxVoteUser a user name.
const (
	maxVoteLine = 1 << 20
	maxVoteUser = 200
)

func readVotesJSONL(r io.Reader, skipped int) ([]voteRef, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxVoteLine)
	var out []voteRef
	n := skipped
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		v := voteRef{line: n}
		var l voteLine
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		switch err := dec.Decode(&l); {
		case err != nil:
			v.invalid = "not a JSON object {\"paper\": ..., \"vote\": 1|-1}"
		case strings.TrimSpace(l.Paper) == "":
			v.invalid = "no \"paper\""
		case l.Vote != 1 && l.Vote != -1:
			v.invalid = fmt.Sprintf("\"vote\" is %d; it must be 1 or -1", l.Vote)
		}
		if v.invalid == "" {
			v.raw, v.value, v.user = l.Paper, l.Vote, strings.TrimSpace(l.User)
			if v.user == "" {
				v.user = importUser
			}
			if len(v.user) > maxVoteUser {
				v.invalid = fmt.Sprintf("\"user\" is longer than %d bytes", maxVoteUser)
			}
			if id, _, ok := paperboy.ParseArxivID(l.Paper); ok {
				v.arxiv = id
			} else if doi := paperboy.NormalizeDOI(l.Paper); doi != "" {
				v.doi = doi
			} else {
				v.title = l.Paper
			}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, paperboy.Errorf(paperboy.EINVALID, "line %d: %v", n+1, err)
	}
	return out, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
