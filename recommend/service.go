package recommend

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

// Store is what recommendations read: papers' vectors, a channel's interest, papers.
// Implemented by store.DB.
type Store interface {
	// RecentVectors returns the vectors of papers stored at or after since, newest first.
	RecentVectors(ctx context.Context, since time.Time, limit int) ([]analysis.Doc, error)
	// PaperVectors returns the vectors of the papers with these ids (unknown ids left out).
	PaperVectors(ctx context.Context, ids []string) ([]analysis.Doc, error)
	// ChannelInterest returns one channel's votes and discussion per paper.
	ChannelInterest(ctx context.Context, channel string) ([]paperboy.Interest, error)
	// FindPaper finds a paper by id. Errors: ENOTFOUND.
	FindPaper(ctx context.Context, ref string) (*paperboy.Paper, error)
	// SimilarPapers returns papers sharing distinctive words with a paper (full-text search).
	SimilarPapers(ctx context.Context, id string, limit int) ([]paperboy.SearchHit, error)
}

// Limits of one answer.
const (
	MaxLimit      = 50
	maxCandidates = 20_000 // newest papers considered by Recommend
	similarPool   = 3_000  // recent papers that give Similar its idf and extra candidates
	similarSearch = 60     // full-text candidates of Similar
)

// Service answers recommend and similar from a Store.
type Service struct {
	Store Store
	Now   func() time.Time
	// Dense and DenseModel turn on dense vectors: the embeddings of DenseModel read from
	// Dense are blended with the sparse score (see denseWeight). Either unset: sparse only.
	Dense      DenseStore
	DenseModel string

	cache denseCache // decoded embeddings of DenseModel
}

// HowToStart is what a channel without votes is told.
const HowToStart = "This channel has no votes yet, so I don't know what it likes. Vote 👍 or 👎 on a few posted papers (or reply +1 / -1 in their threads), or import a library: `paperboy votes import --channel KEY FILE` (BibTeX or JSONL). Two or three 👍 are enough to start."

// Examples turns a channel's interest into training examples: a positive net vote is a
// like, a negative one a dislike (explicit weight); papers only discussed count as weak
// likes; ties are ignored. vecs holds the papers' vectors by id.
func Examples(interest []paperboy.Interest, vecs map[string]analysis.Vector) []Example {
	var ex []Example
	for _, in := range interest {
		v, ok := vecs[in.PaperID]
		if !ok {
			continue
		}
		switch {
		case in.Net > 0:
			ex = append(ex, Example{Key: in.PaperID, Vec: v, Label: 1, Weight: WeightExplicit})
		case in.Net < 0:
			ex = append(ex, Example{Key: in.PaperID, Vec: v, Label: -1, Weight: WeightExplicit})
		case in.Votes == 0 && in.Replies > 0:
			ex = append(ex, Example{Key: in.PaperID, Vec: v, Label: 1, Weight: WeightImplicit})
		}
	}
	return ex
}

// Recommend ranks the papers stored since `since` for channel from that channel's votes
// alone, best first, leaving out papers the channel voted on or discussed. Errors:
// ENOTFOUND (no votes yet, or no liked paper: the message says how to start).
func (s *Service) Recommend(ctx context.Context, channel string, since time.Time, limit int) ([]paperboy.Recommendation, error) {
	limit = clampLimit(limit)
	t, err := s.taste(ctx, channel)
	if err != nil {
		return nil, err
	}
	docs, err := s.Store.RecentVectors(ctx, since, maxCandidates)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(docs))
	cands := make([]analysis.Vector, 0, len(docs))
	for _, d := range docs {
		if !t.known[d.ID] {
			keys = append(keys, d.ID)
			cands = append(cands, d.Vec)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	pool := NewPool(keys, cands, t.extra)
	m := Train(t.examples, pool)
	return s.rank(ctx, t, pool, m, limit, nil)
}

// rankWindow is the period of recent papers that give Rank its idf and background.
const rankWindow = 7 * 24 * time.Hour

// Rank orders papers ids by channel's model, best first: ranked among the papers stored in
// the last week (for their idf and as the model's background), so that a digest of a few
// papers is scored as Recommend would score them. Errors: ENOTFOUND (no liked paper yet).
func (s *Service) Rank(ctx context.Context, channel string, ids []string) ([]paperboy.Recommendation, error) {
	t, err := s.taste(ctx, channel)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	recent, err := s.Store.RecentVectors(ctx, now().Add(-rankWindow), maxCandidates)
	if err != nil {
		return nil, err
	}
	asked, err := s.Store.PaperVectors(ctx, ids)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(asked))
	var keys []string
	var cands []analysis.Vector
	for _, d := range asked {
		want[d.ID] = true
		keys = append(keys, d.ID)
		cands = append(cands, d.Vec)
	}
	for _, d := range recent {
		if !want[d.ID] {
			keys = append(keys, d.ID)
			cands = append(cands, d.Vec)
		}
	}
	if len(asked) == 0 {
		return nil, nil
	}
	pool := NewPool(keys, cands, t.extra)
	m := Train(t.examples, pool)
	return s.rank(ctx, t, pool, m, len(asked), func(key string) bool { return !want[key] })
}

// taste is what a channel's votes say: its examples, the papers it knows, their vectors.
type taste struct {
	examples []Example
	known    map[string]bool
	extra    []analysis.Vector
}

// taste reads channel's interest and its papers' vectors. Errors: ENOTFOUND (no votes, or
// no liked paper).
func (s *Service) taste(ctx context.Context, channel string) (taste, error) {
	interest, err := s.Store.ChannelInterest(ctx, channel)
	if err != nil {
		return taste{}, err
	}
	if len(interest) == 0 {
		return taste{}, paperboy.Errorf(paperboy.ENOTFOUND, "%s", HowToStart)
	}
	ids := make([]string, len(interest))
	t := taste{known: make(map[string]bool, len(interest))}
	for i, in := range interest {
		ids[i] = in.PaperID
		t.known[in.PaperID] = true
	}
	voted, err := s.Store.PaperVectors(ctx, ids)
	if err != nil {
		return taste{}, err
	}
	vecs := make(map[string]analysis.Vector, len(voted))
	t.extra = make([]analysis.Vector, len(voted))
	for i, d := range voted {
		vecs[d.ID] = d.Vec
		t.extra[i] = d.Vec
	}
	t.examples = Examples(interest, vecs)
	for _, e := range t.examples {
		if e.Label > 0 {
			return t, nil
		}
	}
	return taste{}, paperboy.Errorf(paperboy.ENOTFOUND, "This channel has no 👍 yet, only 👎: I need at least one paper it likes. Vote 👍 on a posted paper or reply +1 in its thread.")
}

// rank picks the best limit candidates of pool for m, skipping those skip says to (nil:
// none), blending in the dense part when it is on, and writes their reasons.
func (s *Service) rank(ctx context.Context, t taste, pool *Pool, m *Model, limit int, skip func(key string) bool) ([]paperboy.Recommendation, error) {
	sparse := pool.Scores(m)
	d, err := s.dense(ctx, t, pool.Keys)
	if err != nil {
		return nil, err
	}
	scores := blendDense(sparse, d)
	var skipIdx func(int) bool
	if skip != nil {
		skipIdx = func(i int) bool { return skip(pool.Keys[i]) }
	}
	top := topK(scores, limit, skipIdx)
	picks := make([]Pick, len(top))
	for j, i := range top {
		picks[j] = Pick{i, scores[i]}
	}
	return s.picks(ctx, pool, m, picks, func(i int) (Reason, bool) {
		if !denseDriven(d, sparse, i) {
			return Reason{}, false
		}
		j := d.closestLiked(i)
		if j < 0 {
			return Reason{}, false
		}
		e := t.examples[j]
		return Reason{Liked: e.Key, Implicit: e.Weight < WeightExplicit, Dense: true}, true
	})
}

// picks loads the picked papers and writes their reasons: denseReason's when it has one
// (the pick's meaning drove its score), the model's explanation otherwise.
func (s *Service) picks(ctx context.Context, pool *Pool, m *Model, picks []Pick, denseReason func(i int) (Reason, bool)) ([]paperboy.Recommendation, error) {
	out := make([]paperboy.Recommendation, 0, len(picks))
	titles := map[string]string{}
	for _, pk := range picks {
		p, err := s.Store.FindPaper(ctx, pool.Keys[pk.Index])
		if err != nil {
			if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
				continue // deleted meanwhile
			}
			return nil, err
		}
		r, ok := denseReason(pk.Index)
		if !ok {
			r = m.Explain(pool, pk.Index, p)
		}
		reason, err := s.reasonText(ctx, r, titles)
		if err != nil {
			return nil, err
		}
		if pk.Score <= 0 { // below the pool's average: say so rather than oversell it
			reason = "a weak match: " + reason
		}
		out = append(out, paperboy.Recommendation{Paper: p, Score: pk.Score, Reason: reason})
	}
	return out, nil
}

func clampLimit(limit int) int {
	if limit <= 0 {
		return 10
	}
	return min(limit, MaxLimit)
}

// reasonText turns an explanation into its line, looking up the liked paper's title.
func (s *Service) reasonText(ctx context.Context, r Reason, titles map[string]string) (string, error) {
	if r.Liked == "" {
		return r.Text(""), nil
	}
	title, ok := titles[r.Liked]
	if !ok {
		p, err := s.Store.FindPaper(ctx, r.Liked)
		if err != nil && paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			return "", err
		}
		if p != nil {
			title = p.Title
		}
		titles[r.Liked] = title
	}
	return r.Text(title), nil
}

// Similar returns papers like paper id by the cosine of their tf-idf vectors: candidates
// from a full-text search for its distinctive words and the most recent papers, the idf from
// both. Each comes with the features they share most.
func (s *Service) Similar(ctx context.Context, id string, limit int) ([]paperboy.Recommendation, error) {
	limit = clampLimit(limit)
	p, err := s.Store.FindPaper(ctx, id)
	if err != nil {
		return nil, err
	}
	hits, err := s.Store.SimilarPapers(ctx, p.ID, similarSearch)
	if err != nil {
		return nil, err
	}
	ids := []string{p.ID}
	for _, h := range hits {
		if h.Paper != nil {
			ids = append(ids, h.Paper.ID)
		}
	}
	found, err := s.Store.PaperVectors(ctx, ids)
	if err != nil {
		return nil, err
	}
	recent, err := s.Store.RecentVectors(ctx, time.Time{}, similarPool)
	if err != nil {
		return nil, err
	}
	var target analysis.Vector
	seen := map[string]bool{}
	var keys []string
	var cands []analysis.Vector
	for _, d := range append(found, recent...) {
		if d.ID == p.ID {
			target = d.Vec
			continue
		}
		if !seen[d.ID] {
			seen[d.ID] = true
			keys = append(keys, d.ID)
			cands = append(cands, d.Vec)
		}
	}
	if len(cands) == 0 || target.Len() == 0 {
		return nil, nil
	}
	pool := NewPool(keys, cands, []analysis.Vector{target})
	tx := pool.IDF.Weigh(target)
	type scored struct {
		i int
		s float64
	}
	var best []scored
	for i := range cands {
		if c := analysis.Dot(tx, pool.Vector(i)); c > 0 {
			best = append(best, scored{i, c})
		}
	}
	sortScored := func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return a.i - b.i
	}
	slices.SortFunc(best, sortScored)
	var out []paperboy.Recommendation
	for _, b := range best {
		if len(out) == limit {
			break
		}
		q, err := s.Store.FindPaper(ctx, keys[b.i])
		if err != nil {
			if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
				continue
			}
			return nil, err
		}
		shared := pool.Shared(b.i, tx, q)
		reason := "shares " + joinNames(shared)
		if len(shared) == 0 {
			reason = "shares only common words"
		}
		out = append(out, paperboy.Recommendation{Paper: q, Score: b.s, Reason: reason})
	}
	return out, nil
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
