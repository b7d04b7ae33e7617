package paperboy

import (
	"context"
	"time"
)

// UpsertStats counts what UpsertPapers did with its input.
type UpsertStats struct {
	New        int // papers not stored before
	Updated    int // papers stored before whose fields changed (new version, more metadata)
	Duplicates int // papers stored before (or earlier in the same batch) with nothing new
}

// Add adds o's counts to s.
func (s *UpsertStats) Add(o UpsertStats) {
	s.New += o.New
	s.Updated += o.Updated
	s.Duplicates += o.Duplicates
}

// SearchRequest is one search.
type SearchRequest struct {
	Query Query
	Limit int // 1..100; 0 means 10
	// Channel scopes vote counts (hit Votes and sort:votes) to one channel; "" counts all.
	Channel string
}

// SearchHit is one result.
type SearchHit struct {
	Paper *Paper  `json:"paper"`
	Score float64 `json:"score"` // higher is better; comparable within one result list only
	Votes int     `json:"votes"` // net votes (up - down)
}

// SearchResult is a ranked answer.
type SearchResult struct {
	Hits []SearchHit
	// Corrected is the query text after spelling correction, when correction changed it
	// (for a "showing results for ..." line); "" otherwise.
	Corrected string
	// Partial is true when the search deadline cut the work short; Hits is the best so far.
	Partial bool
}

// PaperService stores and finds papers. Implemented by store.DB.
type PaperService interface {
	// UpsertPapers stores a batch in one transaction: all of it or none. Papers must be
	// Normalize()d. Identity and dedupe follow Paper.Key; a newer version or extra metadata
	// updates the row without changing its Seq. Errors: EUNAVAILABLE (disk full, busy),
	// EINTERNAL.
	UpsertPapers(ctx context.Context, papers []Paper) (UpsertStats, error)
	// FindPaper finds a paper by id, arXiv id or URL (any version), DOI, or HF page URL.
	// Errors: ENOTFOUND, EINVALID (ref is not an id or URL).
	FindPaper(ctx context.Context, ref string) (*Paper, error)
	// Search ranks papers for a query. It never fails because of what the user typed:
	// it answers within ctx's deadline (and at most a few hundred ms of its own), marking
	// the result Partial when it had to stop early. Errors: EINTERNAL only.
	Search(ctx context.Context, req SearchRequest) (*SearchResult, error)
	// SimilarPapers returns papers like the given one (by its title and abstract terms),
	// excluding itself. Errors: ENOTFOUND.
	SimilarPapers(ctx context.Context, id string, limit int) ([]SearchHit, error)
	// ExportPapers calls fn for every paper in Seq order, streaming.
	ExportPapers(ctx context.Context, fn func(*Paper) error) error
}

// PaperFetcher fetches one paper from its origin (arXiv) for the chat command `add`.
// Errors: EINVALID (not an arXiv id or URL), ENOTFOUND, EUNAVAILABLE (arXiv down or
// rate limiting).
type PaperFetcher interface {
	FetchPaper(ctx context.Context, ref string) (*Paper, error)
}

// Digest schedules for subscriptions.
const (
	DigestNone   = ""       // post each paper as it arrives
	DigestDaily  = "daily"  // one message a day at Hour:Minute in the channel's time zone
	DigestWeekly = "weekly" // one message a week on Weekday at Hour:Minute
)

// Digest says when a subscription's papers are posted.
type Digest struct {
	Every   string       `json:"every,omitempty"` // DigestNone, DigestDaily or DigestWeekly
	Hour    int          `json:"hour,omitempty"`
	Minute  int          `json:"minute,omitempty"`
	Weekday time.Weekday `json:"weekday,omitempty"`
}

// NoDailyCap is Subscription.DailyCap for a subscription with no daily cap at all. The zero
// DailyCap means "the bot's default cap", which follows the configuration.
const NoDailyCap = -1

// DefaultTop is how many papers a for-you or trending digest holds when it names no top:N.
const DefaultTop = 10

// Ranked reports whether s picks its papers by rank (for-you or trending) rather than
// posting every match.
func (s *Subscription) Ranked() bool { return s.ForYou || s.Trending }

// TopN is how many papers a ranked digest of s holds.
func (s *Subscription) TopN() int {
	if s.Top > 0 {
		return s.Top
	}
	return DefaultTop
}

// Subscription is a channel's standing interest: papers matching Filter are posted there.
type Subscription struct {
	ID       int64
	Channel  string // channel key, "platform:id" (see ChannelKey)
	Filter   string // the filter in the chat grammar, canonical (Query.String())
	Query    Query  // Filter parsed
	Digest   Digest
	DailyCap int // at most this many posts a day; 0 = the bot's default (bot.daily_cap), NoDailyCap = none
	// ForYou ranks what the subscription posts by the channel's model (its votes);
	// Trending by Hugging Face upvotes at digest time, and limits it to papers on HF Daily
	// Papers. A digest with either holds the best Top of the papers due (0 = DefaultTop)
	// and records the rest as skipped with the reason; the daily cap does not apply to it.
	ForYou, Trending bool
	Top              int
	// MinScore is the threshold of an immediate ForYou subscription: only papers the
	// channel's model scores at least this high are posted (0 = any the model ranks
	// above the average of recent papers).
	MinScore  float64
	CreatedBy string
	CreatedAt time.Time
}

// Channel holds a chat channel's settings.
type Channel struct {
	Key      string // "platform:id"
	Name     string // human name when known ("#ml-papers")
	TimeZone string // IANA name for digests; "" = the server's default from config
}

// ChannelKey joins a platform name and a platform channel id: "slack:C0123".
func ChannelKey(platform, id string) string { return platform + ":" + id }

// PostRecord links a message the bot posted to the paper it is about, so reactions,
// button clicks and thread replies on it count for that paper in that channel.
type PostRecord struct {
	Channel    string // channel key
	MessageID  string // platform message id (Slack ts)
	ThreadID   string // thread opened on the post ("" if the platform has none)
	PaperID    string
	DeliveryID int64 // outbox row that produced it; 0 for posts made by `add`
	PostedAt   time.Time
}

// Vote is one user's vote on a paper in a channel: Value is +1 or -1.
type Vote struct {
	PaperID string
	Channel string
	User    string
	Value   int
	Via     string // "reaction", "button", "reply", "command"
	At      time.Time
}

// Tally sums the votes and discussion of a paper in a channel.
type Tally struct {
	PaperID string `json:"paper_id"`
	Up      int    `json:"up"`
	Down    int    `json:"down"`
	Replies int    `json:"replies"`
}

// Net returns up minus down votes.
func (t Tally) Net() int { return t.Up - t.Down }

// Summary is a short TL;DR of a paper by one model and prompt version.
type Summary struct {
	PaperID          string
	Model            string // "extractive" for the built-in summarizer
	PromptVersion    string
	Text             string
	PromptTokens     int
	CompletionTokens int
	CreatedAt        time.Time
}

// Summarizer writes a short summary of a paper. Implementations: summarize.Extractive (no
// network, deterministic) and summarize.OpenAI (with its own fallback to extractive).
// Errors: EUNAVAILABLE (model down; callers fall back), EINVALID (paper has no abstract).
type Summarizer interface {
	Summarize(ctx context.Context, p *Paper) (Summary, error)
}

// SummaryStore caches summaries keyed by paper, model and prompt version.
type SummaryStore interface {
	// FindSummary returns the cached summary. Errors: ENOTFOUND.
	FindSummary(ctx context.Context, paperID, model, promptVersion string) (Summary, error)
	// SaveSummary stores (or replaces) a summary.
	SaveSummary(ctx context.Context, s Summary) error
}
