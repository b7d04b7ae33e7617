package bot

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Subscribe policies (Config.SubscribePolicy).
const (
	PolicyEveryone = "everyone"
	PolicyAdmins   = "admins"
)

// Outbox is the part of the delivery outbox the command router needs: `add` queues a
// delivery for the dispatcher, `status` reports. Implemented by store.DB.
type Outbox interface {
	// EnqueueDelivery queues one immediate delivery. Errors: ECONFLICT (already queued or
	// posted in that channel), ENOTFOUND (paper not stored).
	EnqueueDelivery(ctx context.Context, d paperboy.Delivery) (paperboy.Delivery, error)
	// DeliveryStatus summarizes the outbox of a channel ("" = all).
	DeliveryStatus(ctx context.Context, channel string) (paperboy.DeliveryStatus, error)
}

// Backfiller queues a few recent papers matching a new subscription, so the channel sees
// something without being flooded with the backlog. It returns how many it queued.
type Backfiller interface {
	Backfill(ctx context.Context, s paperboy.Subscription) (int, error)
}

// Config holds what the bot needs. Papers, Subs, Social and Outbox are required; the
// others may be nil/zero.
type Config struct {
	Papers     paperboy.PaperService
	Subs       paperboy.SubscriptionService
	Social     paperboy.VoteService
	Outbox     Outbox
	Summarizer paperboy.Summarizer   // may be slow (LLM); nil: `summary` says it is off
	Fetcher    paperboy.PaperFetcher // arXiv, for `add`; nil: only stored papers can be added
	Backfiller Backfiller            // nil: new subscriptions start with new papers only
	// Recommender ranks papers from a channel's votes (`recommend`) and finds similar
	// papers by the same vectors; nil: `recommend` is unavailable and `similar` searches.
	Recommender paperboy.Recommender
	// Adapter is used to edit posts (vote counts) and to send deferred replies when a
	// command has no Respond. May be nil in tests.
	Adapter Adapter
	// Adapters are further platforms one bot serves (one `paperboy run` for Slack and
	// Discord). Each command, event and post uses the adapter of its own platform:
	// Adapter or one of these, matched by Platform().
	Adapters []Adapter
	// Status returns extra lines for `status` (scheduler runs, summary usage).
	Status func(ctx context.Context) []string

	Admins          []string // user ids (platform ids or "platform:id") allowed under PolicyAdmins
	SubscribePolicy string   // PolicyEveryone (default) or PolicyAdmins
	DefaultTimeZone string   // IANA name for digests when a channel has none ("" = UTC)
	DailyCap        int      // default per-subscription daily cap (0 = none); to describe subscriptions

	// AckBudget is how long a command may work before the bot replies Deferred and
	// finishes in the background (default 2 s, less when ctx's deadline is nearer).
	AckBudget time.Duration
	// EditInterval is the minimum gap between two edits of one post's vote counts
	// (default 3 s); changes in between are folded into one trailing edit.
	EditInterval time.Duration

	Log *slog.Logger
	Now func() time.Time
	// AfterFunc schedules trailing edits; tests replace it with a fake clock's.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Bot is the platform-neutral bot: it answers commands and records votes and discussion.
// It implements Handler.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	commands map[string]*command
	names    []string // command names in help order

	adapters map[string]Adapter // by Platform()

	mu    sync.Mutex
	edits map[string]*editState // per post: "channelKey\x00messageID"
	bg    sync.WaitGroup
}

var _ Handler = (*Bot)(nil)

// New returns a bot for cfg, filling defaults.
func New(cfg Config) *Bot {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if cfg.AckBudget <= 0 {
		cfg.AckBudget = 2 * time.Second
	}
	if cfg.EditInterval <= 0 {
		cfg.EditInterval = 3 * time.Second
	}
	// A typed nil (a nil *ingest.Arxiv in an interface) means "not configured".
	if isNil(cfg.Fetcher) {
		cfg.Fetcher = nil
	}
	if isNil(cfg.Summarizer) {
		cfg.Summarizer = nil
	}
	if isNil(cfg.Backfiller) {
		cfg.Backfiller = nil
	}
	if isNil(cfg.Adapter) {
		cfg.Adapter = nil
	}
	if cfg.SubscribePolicy == "" {
		cfg.SubscribePolicy = PolicyEveryone
	}
	b := &Bot{cfg: cfg, log: cfg.Log, now: cfg.Now, edits: map[string]*editState{}, adapters: map[string]Adapter{}}
	for _, a := range append([]Adapter{cfg.Adapter}, cfg.Adapters...) {
		if !isNil(a) {
			b.adapters[a.Platform()] = a
		}
	}
	b.commands, b.names = commandTable(b)
	return b
}

// adapter returns the adapter of platform, or nil when the bot has none for it.
func (b *Bot) adapter(platform string) Adapter { return b.adapters[platform] }

// Wait blocks until background work (deferred replies, trailing edits in flight) is done.
func (b *Bot) Wait() { b.bg.Wait() }

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// location returns the time zone for a channel's digests and dates.
func (b *Bot) location(name string) *time.Location {
	for _, n := range []string{name, b.cfg.DefaultTimeZone} {
		if n == "" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			return loc
		}
	}
	return time.UTC
}

// mayManage reports whether the user of c may change the channel's subscriptions.
func (b *Bot) mayManage(c Command) bool {
	if b.cfg.SubscribePolicy != PolicyAdmins || c.IsAdmin {
		return true
	}
	return slices.ContainsFunc(b.cfg.Admins, func(a string) bool {
		a = strings.TrimSpace(a)
		return a != "" && (a == c.User || a == paperboy.ChannelKey(c.Platform, c.User) ||
			(c.UserName != "" && strings.EqualFold(strings.TrimPrefix(a, "@"), c.UserName)))
	})
}

// userError returns the message to show for err, logging internal errors.
func (b *Bot) userError(op string, err error, attrs ...slog.Attr) string {
	if paperboy.ErrorCode(err) == paperboy.EINTERNAL {
		args := []any{slog.String("op", op), slog.String("error", err.Error())}
		for _, a := range attrs {
			args = append(args, a)
		}
		b.log.Error("bot: command failed", args...)
	}
	return paperboy.ErrorMessage(err)
}
