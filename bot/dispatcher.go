package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// PaperFinder loads a paper by id (paperboy.PaperService implements it).
type PaperFinder interface {
	FindPaper(ctx context.Context, ref string) (*paperboy.Paper, error)
}

// DispatcherConfig configures a Dispatcher. Store, Papers and Adapter are required.
type DispatcherConfig struct {
	Store   paperboy.OutboxService
	Papers  PaperFinder
	Adapter Adapter
	// Quick writes the summary shown in the post (fast, local: summarize.Extractive). Nil
	// shows the start of the abstract.
	Quick paperboy.Summarizer
	// Summarizer, when set and not Quick, writes a better summary after the post: it
	// joins the thread and the post is edited when the adapter is an Editor. It never
	// delays a post.
	Summarizer paperboy.Summarizer
	Log        *slog.Logger
	Now        func() time.Time
	// Rand returns a number in [0, 1) for backoff jitter.
	Rand func() float64
	// Workers bounds how many channels are served at once (default 4).
	Workers int
	// Poll is how often the outbox is checked when nothing woke the dispatcher (default 500 ms).
	Poll time.Duration
	// ChannelInterval is the minimum gap between two messages in one channel; 0 takes the
	// adapter's RateLimiter.PostInterval (none when it has no such capability).
	ChannelInterval time.Duration
	// GlobalInterval is the minimum gap between two messages on the platform (0 = none).
	GlobalInterval time.Duration
	// BaseBackoff (default 2 s) doubles with every failed attempt up to MaxBackoff
	// (default 10 min); retries never stop. A platform's Retry-After replaces it.
	BaseBackoff, MaxBackoff time.Duration
	// DigestMax is the most papers listed in one digest message (default 20).
	DigestMax int
	// OnCall, when set, is told the outcome of every call the dispatcher makes to the
	// platform (post, send, edit, lookup): nil or the error. The ops listener counts
	// calls and 429s with it.
	OnCall func(err error)
	// Ranker, when set, orders a digest's papers by the channel's model once the channel
	// has liked a paper; nil (or a channel without likes) keeps the order of arrival.
	Ranker paperboy.Recommender
}

// Dispatcher delivers the outbox to one chat platform: per-channel FIFO, channels in
// parallel (bounded), per-channel and per-platform rate limits, retries, and permanent
// failures recorded with their reason. A 429 that names its wait (Retry-After) is waited
// out with a little jitter and no backoff, in that channel only; errors without a stated
// wait back off exponentially with jitter, capped. Nothing is dropped: a delivery ends sent, failed
// (permanent error, with the reason, shown by DeliveryStatus) or skipped (by design,
// with the reason); temporary errors are retried forever, every 10 minutes at most.
//
// Crash guarantee. Every message the dispatcher sends carries a durable key, derived
// from outbox rows that exist before the call: the post "pb-d<id>", its thread reply
// (the abstract) "pb-d<id>-abstract", its LLM summary "pb-d<id>-summary", a digest
// "pb-g<id of its first delivery>" (stored with its deliveries). The intent is committed
// before the platform call (post and digest: state sending; reply and summary: owed and
// tried) and the result after it. When a call may have reached the platform unrecorded
// (a crash between the two, a timeout or a 5xx), the message is looked up by its key
// before it is sent again, at start-up (Recover) and before every retry:
//   - when the adapter is a MessageFinder, found means sent (recorded with that message),
//     not found means never sent (sent now). Every message is sent exactly once per
//     channel: posts and digests among the channel's messages, replies and summaries in
//     the post's thread. The lookup looks back from the outbox row's creation (post,
//     digest) or the post (reply, summary), as far as the adapter reads (Slack: 4000
//     messages); a message beyond that is not found and sent again.
//   - otherwise: posts, thread replies and digests are sent again and logged (at least
//     once; a duplicate only for a crash or lost answer inside that window); the summary
//     is given up and logged (at most once: never doubled, missing in that case).
//
// Thread replies and summaries are owed durably with the post and retried until sent or
// failed permanently. The summary is owed once the abstract is in the thread (when an LLM
// summarizer other than Quick is configured): generated in the background, never
// delaying a post, and generated again after a restart (the summary cache makes that
// cheap), so a stop does not lose it. An LLM failure leaves the extractive summary of
// the post standing.
type Dispatcher struct {
	cfg      DispatcherConfig
	log      *slog.Logger
	platform string
	interval time.Duration
	llm      bool

	mu         sync.Mutex
	busy       map[string]bool      // channel key -> an action is in flight
	notBefore  map[string]time.Time // channel key -> earliest next action
	fails      map[int64]int        // delivery id -> failed thread reply/summary attempts (in memory)
	generating map[int64]bool       // delivery id -> its LLM summary is being generated
	summaries  map[int64]llmSummary // delivery id -> generated summary waiting to be sent
	globalNext time.Time
	inflight   int
	recovered  bool
	reasons    map[int64]string
	wg         sync.WaitGroup
	asyncWG    sync.WaitGroup
	asyncSem   chan struct{}
	wake       chan struct{}
}

// NewDispatcher returns a Dispatcher. Errors: EINVALID (missing store, papers or adapter).
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil || cfg.Papers == nil || cfg.Adapter == nil {
		return nil, paperboy.Errorf(paperboy.EINVALID, "dispatcher: a store, a paper finder and an adapter are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Minute
	}
	if cfg.DigestMax <= 0 {
		cfg.DigestMax = 20
	}
	d := &Dispatcher{
		cfg:        cfg,
		platform:   cfg.Adapter.Platform(),
		interval:   cfg.ChannelInterval,
		busy:       map[string]bool{},
		notBefore:  map[string]time.Time{},
		fails:      map[int64]int{},
		generating: map[int64]bool{},
		summaries:  map[int64]llmSummary{},
		reasons:    map[int64]string{},
		asyncSem:   make(chan struct{}, 2),
		wake:       make(chan struct{}, 1),
	}
	d.log = cfg.Log.With(slog.String("component", "dispatcher"), slog.String("platform", d.platform))
	if d.interval == 0 {
		if rl, ok := cfg.Adapter.(RateLimiter); ok {
			d.interval = rl.PostInterval()
		}
	}
	d.llm = cfg.Summarizer != nil && !sameSummarizer(cfg.Summarizer, cfg.Quick)
	return d, nil
}

// sameSummarizer compares two interface values without panicking on uncomparable types.
func sameSummarizer(a, b paperboy.Summarizer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// Wake makes a running dispatcher look at the outbox now (the watcher calls it).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run reconciles uncertain deliveries and then delivers until ctx ends. It waits for
// the platform calls in flight before returning nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			d.wg.Wait()
			d.asyncWG.Wait()
			return nil
		case <-timer.C:
		case <-d.wake:
		}
		next := d.pass(ctx)
		wait := d.cfg.Poll
		if !next.IsZero() {
			if w := next.Sub(d.cfg.Now()); w < wait {
				wait = max(w, time.Millisecond)
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// Step runs one pass synchronously: it starts every action that is due (within the
// worker and rate limits) and waits for them. Tests drive the dispatcher with it and an
// injected clock; it returns when the next action may be due (zero if unknown).
func (d *Dispatcher) Step(ctx context.Context) time.Time {
	next := d.pass(ctx)
	d.wg.Wait()
	return next
}

// WaitAsync waits for background summaries (tests).
func (d *Dispatcher) WaitAsync() { d.asyncWG.Wait() }

// channelID returns the platform channel id of a key on this dispatcher's platform.
func (d *Dispatcher) channelID(key string) (string, bool) {
	platform, id, ok := strings.Cut(key, ":")
	return id, ok && platform == d.platform
}

type action struct {
	kind    string // "post", "followup", "digest"
	channel string
	ds      []paperboy.Delivery
}

// pass starts due actions and returns when the earliest blocked one may run.
func (d *Dispatcher) pass(ctx context.Context) time.Time {
	if ctx.Err() != nil {
		return time.Time{}
	}
	if !d.recovered {
		if err := d.Recover(ctx); err != nil {
			d.log.Error("reconciling uncertain deliveries failed; retrying", slog.Any("error", err))
			return d.cfg.Now().Add(d.cfg.BaseBackoff)
		}
	}
	now := d.cfg.Now()
	acts, err := d.collect(ctx, now)
	if err != nil {
		d.log.Error("reading the outbox failed; retrying", slog.Any("error", err))
		return now.Add(d.cfg.BaseBackoff)
	}
	var next time.Time
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range acts {
		if d.busy[a.channel] {
			continue
		}
		if nb := d.notBefore[a.channel]; nb.After(now) {
			later(nb)
			continue
		}
		if d.cfg.GlobalInterval > 0 && d.globalNext.After(now) {
			later(d.globalNext)
			break
		}
		if d.inflight >= d.cfg.Workers {
			break
		}
		d.busy[a.channel] = true
		d.inflight++
		if d.cfg.GlobalInterval > 0 {
			d.globalNext = now.Add(d.cfg.GlobalInterval)
		}
		d.wg.Add(1)
		go d.do(ctx, a)
	}
	return next
}

// collect lists the next action of every channel: an owed thread reply first (it
// belongs to the previous post), then a generated summary, then due digests, then the
// queue head. It starts generating owed summaries.
func (d *Dispatcher) collect(ctx context.Context, now time.Time) ([]action, error) {
	var acts []action
	seen := map[string]bool{}
	follow, err := d.cfg.Store.Followups(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range follow {
		if _, ok := d.channelID(f.Channel); ok && !seen[f.Channel] {
			seen[f.Channel] = true
			acts = append(acts, action{kind: "followup", channel: f.Channel, ds: []paperboy.Delivery{f}})
		}
	}
	sums, err := d.cfg.Store.Summaries(ctx)
	if err != nil {
		return nil, err
	}
	owed := make(map[int64]bool, len(sums))
	for _, f := range sums {
		owed[f.ID] = true
		if _, ok := d.channelID(f.Channel); ok && d.summaryReady(ctx, f) && !seen[f.Channel] {
			seen[f.Channel] = true
			acts = append(acts, action{kind: "summary", channel: f.Channel, ds: []paperboy.Delivery{f}})
		}
	}
	// A summary generated for a row read just before it was sent is not owed any more.
	d.mu.Lock()
	for id := range d.summaries {
		if !owed[id] {
			delete(d.summaries, id)
		}
	}
	d.mu.Unlock()
	digests, err := d.cfg.Store.DueDigests(ctx, now)
	if err != nil {
		return nil, err
	}
	digests = d.pickRanked(ctx, digests)
	digestAt := map[string]int{} // channel -> index of its digest action
	for _, g := range digests {
		if _, ok := d.channelID(g.Channel); !ok {
			continue
		}
		if i, ok := digestAt[g.Channel]; ok {
			// A set tried before (keyed) goes again as it was, under its key, before the rest.
			switch a := &acts[i]; {
			case a.ds[0].DigestKey != "":
				if g.DigestKey == a.ds[0].DigestKey {
					a.ds = append(a.ds, g)
				}
			case g.DigestKey != "":
				a.ds = []paperboy.Delivery{g}
			case len(a.ds) < d.cfg.DigestMax:
				a.ds = append(a.ds, g)
			}
			continue
		}
		if seen[g.Channel] {
			continue
		}
		seen[g.Channel] = true
		digestAt[g.Channel] = len(acts)
		acts = append(acts, action{kind: "digest", channel: g.Channel, ds: []paperboy.Delivery{g}})
	}
	heads, err := d.cfg.Store.DueDeliveries(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, h := range heads {
		if _, ok := d.channelID(h.Channel); ok && !seen[h.Channel] {
			seen[h.Channel] = true
			acts = append(acts, action{kind: "post", channel: h.Channel, ds: []paperboy.Delivery{h}})
		}
	}
	return acts, nil
}

func (d *Dispatcher) do(ctx context.Context, a action) {
	defer d.wg.Done()
	var wait time.Duration
	switch a.kind {
	case "post":
		wait = d.post(ctx, a.ds[0])
	case "followup":
		wait = d.followup(ctx, a.ds[0])
	case "summary":
		wait = d.summary(ctx, a.ds[0])
	case "digest":
		wait = d.digest(ctx, a.channel, a.ds)
	}
	d.mu.Lock()
	d.busy[a.channel] = false
	d.inflight--
	nb := d.cfg.Now().Add(max(wait, d.interval))
	if nb.After(d.notBefore[a.channel]) {
		d.notBefore[a.channel] = nb
	}
	d.mu.Unlock()
	d.Wake()
}

// backoff returns the delay before attempt n+1 after n failed attempts. A platform that
// named its wait (429 with Retry-After) is not failing: the delay is that wait plus a
// little jitter (up to a tenth of it, at most retryJitter), whatever the attempts. Other
// errors back off exponentially with jitter (between half and all of it), capped.
func (d *Dispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter + time.Duration(d.cfg.Rand()*float64(min(retryAfter/10, retryJitter)))
	}
	exp := float64(d.cfg.BaseBackoff) * math.Pow(2, float64(max(attempts-1, 0)))
	exp = min(exp, float64(d.cfg.MaxBackoff))
	return time.Duration(exp/2 + d.cfg.Rand()*exp/2)
}

// retryJitter bounds the jitter added to a platform's Retry-After: enough to spread
// workers that were told the same wait, small next to the wait itself.
const retryJitter = time.Second

// DeliveryKey is the Post.Key of a delivery: adapters with message lookup store it.
func DeliveryKey(id int64) string { return "pb-d" + strconv.FormatInt(id, 10) }

// ReplyKey is the Message.Key of a delivery's thread reply (the abstract).
func ReplyKey(id int64) string { return DeliveryKey(id) + "-abstract" }

// SummaryKey is the Message.Key of a delivery's LLM summary in its thread.
func SummaryKey(id int64) string { return DeliveryKey(id) + "-summary" }

// DigestKey is the Message.Key of the digest message whose first delivery is id.
func DigestKey(id int64) string { return "pb-g" + strconv.FormatInt(id, 10) }

// post sends one queued delivery. It returns how long the channel should wait before
// its next action (beyond the rate interval).
func (d *Dispatcher) post(ctx context.Context, del paperboy.Delivery) time.Duration {
	log := d.log.With(slog.Int64("delivery_id", del.ID), slog.String("channel", del.Channel), slog.String("paper_id", del.PaperID))
	chID, _ := d.channelID(del.Channel)
	paper, err := d.cfg.Papers.FindPaper(ctx, del.PaperID)
	if err != nil {
		log.Error("loading the paper to post failed; retrying", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	p := Post{Paper: paper, Reason: d.reason(ctx, del.SubscriptionID), Key: DeliveryKey(del.ID), Summary: d.quickSummary(ctx, paper)}
	if err := d.cfg.Store.MarkSending(ctx, del.ID); err != nil {
		log.Error("recording the intent to post failed; retrying", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	ref, found, err := d.lookup(ctx, chID, del)
	if err == nil && !found {
		ref, err = d.cfg.Adapter.Post(ctx, chID, p)
		d.called(err)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down mid-call: the outcome is unknown; Recover settles it at start.
			log.Warn("stopped during a post; it will be reconciled at start", slog.Any("error", err))
			return 0
		}
		return d.failed(ctx, log, []paperboy.Delivery{del}, err)
	}
	rec := paperboy.PostRecord{Channel: del.Channel, MessageID: ref.MessageID, ThreadID: ref.ThreadID,
		PaperID: del.PaperID, DeliveryID: del.ID, PostedAt: d.cfg.Now()}
	d.recordSent(ctx, log, del.ID, rec)
	log.Info("posted", slog.String("message_id", ref.MessageID), slog.Int("attempts", del.Attempts+1))
	return 0
}

// lookup checks, before a retry, whether an earlier attempt was posted after all (a
// timeout or a 5xx can hide a post that went through). It needs a MessageFinder.
func (d *Dispatcher) lookup(ctx context.Context, chID string, del paperboy.Delivery) (PostRef, bool, error) {
	finder, ok := d.cfg.Adapter.(MessageFinder)
	if !ok || del.Attempts == 0 {
		return PostRef{}, false, nil
	}
	ref, found, err := finder.FindMessage(ctx, chID, "", DeliveryKey(del.ID), del.CreatedAt.Add(-time.Minute))
	d.called(err)
	return ref, found, err
}

// called reports a platform call's outcome to OnCall.
func (d *Dispatcher) called(err error) {
	if d.cfg.OnCall != nil {
		d.cfg.OnCall(err)
	}
}

// recordSent commits a post's result, retrying store errors: the post exists, so losing
// the record would post it again after a restart.
func (d *Dispatcher) recordSent(ctx context.Context, log *slog.Logger, id int64, rec paperboy.PostRecord) {
	for i := 1; ; i++ {
		err := d.cfg.Store.MarkSent(context.WithoutCancel(ctx), id, rec)
		if err == nil {
			return
		}
		log.Error("recording a post failed; retrying", slog.Any("error", err), slog.Int("try", i))
		if i == 5 {
			log.Error("giving up recording the post; it will be reconciled at start")
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(i) * 200 * time.Millisecond):
		}
	}
}

// failed records a failed platform call for ds: permanent errors end them as failed,
// others go back to pending after a backoff.
func (d *Dispatcher) failed(ctx context.Context, log *slog.Logger, ds []paperboy.Delivery, err error) time.Duration {
	se := ClassifySend(err)
	ids := make([]int64, len(ds))
	for i, x := range ds {
		ids[i] = x.ID
	}
	reason := se.Reason
	if reason == "" {
		reason = "error"
	}
	if se.Permanent {
		log.Warn("delivery failed permanently", slog.String("reason", reason), slog.Any("error", err))
		if err := d.cfg.Store.MarkFailed(context.WithoutCancel(ctx), ids, reason); err != nil {
			log.Error("recording a failure failed", slog.Any("error", err))
		}
		return 0
	}
	attempts := ds[0].Attempts + 1
	wait := d.backoff(attempts, se.RetryAfter)
	log.Warn("delivery failed; will retry", slog.String("reason", reason), slog.Int("attempts", attempts),
		slog.Duration("retry_in", wait), slog.Any("error", err))
	if err := d.cfg.Store.MarkRetry(context.WithoutCancel(ctx), ids, d.cfg.Now().Add(wait), fmt.Sprintf("%s (attempt %d)", reason, attempts)); err != nil {
		log.Error("recording a retry failed", slog.Any("error", err))
	}
	// The channel waits too: a rate-limited platform is not hit again with the next post.
	return max(se.RetryAfter, 0)
}

// reason describes why a delivery was posted: its subscription's filter.
func (d *Dispatcher) reason(ctx context.Context, subID int64) string {
	if subID == 0 {
		return "shared in chat"
	}
	d.mu.Lock()
	r, ok := d.reasons[subID]
	d.mu.Unlock()
	if ok {
		return r
	}
	s, err := d.cfg.Store.Subscription(ctx, subID)
	if err != nil {
		return ""
	}
	r = s.Query.Describe()
	d.mu.Lock()
	d.reasons[subID] = r
	d.mu.Unlock()
	return r
}

func (d *Dispatcher) quickSummary(ctx context.Context, p *paperboy.Paper) string {
	if d.cfg.Quick != nil {
		if s, err := d.cfg.Quick.Summarize(ctx, p); err == nil {
			return s.Text
		}
	}
	return snippet(p.Abstract, 280)
}

// snippet cuts s at a word boundary near n bytes.
func snippet(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// followup sends the owed thread reply (the abstract) of a posted delivery.
func (d *Dispatcher) followup(ctx context.Context, del paperboy.Delivery) time.Duration {
	log := d.log.With(slog.Int64("delivery_id", del.ID), slog.String("channel", del.Channel), slog.String("message", "thread reply"))
	chID, _ := d.channelID(del.Channel)
	paper, err := d.cfg.Papers.FindPaper(ctx, del.PaperID)
	if err != nil {
		log.Error("loading the paper for its thread failed; retrying", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	if text := abstractReply(paper); text != "" {
		m := Message{ThreadID: del.ThreadID, Text: text, Key: ReplyKey(del.ID)}
		done, wait := d.sendOwed(ctx, log, chID, del, m, del.Reply == paperboy.OwedTried, true, d.cfg.Store.MarkFollowupTried)
		if !done {
			return wait
		}
	}
	if err := d.cfg.Store.MarkFollowupDone(context.WithoutCancel(ctx), del.ID, d.llm); err != nil {
		log.Error("recording the thread reply failed", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	d.mu.Lock()
	delete(d.fails, del.ID)
	d.mu.Unlock()
	return 0
}

// sendOwed sends m, a message owed in a post's thread, at most once per key where the
// adapter is a MessageFinder. tried says that an earlier call may have reached the
// platform: the message is looked up first, and without a MessageFinder it is sent again
// when resend (at least once), else given up (at most once). markTried records the
// attempt before the call. sendOwed returns done when the message is on the platform or
// given up, else how long the channel waits before trying again.
func (d *Dispatcher) sendOwed(ctx context.Context, log *slog.Logger, chID string, del paperboy.Delivery, m Message,
	tried, resend bool, markTried func(context.Context, int64) error) (done bool, wait time.Duration) {
	if tried {
		finder, ok := d.cfg.Adapter.(MessageFinder)
		switch {
		case ok:
			_, found, err := finder.FindMessage(ctx, chID, m.ThreadID, m.Key, del.SentAt.Add(-time.Minute))
			if err != nil {
				return d.owedFailed(ctx, log, del.ID, err)
			}
			if found {
				log.Info("an earlier attempt reached the platform; recorded", slog.String("key", m.Key))
				return true, 0
			}
		case resend:
			log.Warn("sent again after an interrupted attempt (no message lookup on this platform): it may appear twice")
		default:
			log.Warn("given up after an interrupted attempt (no message lookup on this platform): it may be missing")
			return true, 0
		}
	} else if err := markTried(ctx, del.ID); err != nil {
		log.Error("recording the intent to send failed; retrying", slog.Any("error", err))
		return false, d.backoff(1, 0)
	}
	_, err := d.cfg.Adapter.Send(ctx, chID, m)
	d.called(err)
	if err != nil {
		return d.owedFailed(ctx, log, del.ID, err)
	}
	return true, 0
}

// owedFailed handles a failed call for a message owed in a thread: permanent errors give
// it up (the post stands without it), others are retried after a backoff.
func (d *Dispatcher) owedFailed(ctx context.Context, log *slog.Logger, id int64, err error) (done bool, wait time.Duration) {
	if ctx.Err() != nil {
		return false, 0 // stopping: still owed, settled at the next start
	}
	se := ClassifySend(err)
	if se.Permanent {
		log.Warn("failed permanently; the post stands without it", slog.String("reason", se.Reason), slog.Any("error", err))
		return true, 0
	}
	// Only failures without a stated wait count towards the exponential backoff.
	d.mu.Lock()
	if se.RetryAfter <= 0 {
		d.fails[id]++
	}
	n := d.fails[id]
	d.mu.Unlock()
	wait = d.backoff(n, se.RetryAfter)
	log.Warn("failed; will retry", slog.String("reason", se.Reason), slog.Duration("retry_in", wait), slog.Any("error", err))
	return false, wait
}

// abstractReply is the first thread message under a post.
func abstractReply(p *paperboy.Paper) string {
	var b strings.Builder
	if p.Abstract != "" {
		b.WriteString("**Abstract.** " + p.Abstract)
	}
	var links []string
	if p.PDFURL != "" {
		links = append(links, "[PDF]("+p.PDFURL+")")
	}
	if p.HFURL != "" {
		links = append(links, "[Hugging Face]("+p.HFURL+")")
	}
	if p.RepoURL != "" {
		links = append(links, "[Code]("+p.RepoURL+")")
	}
	if len(links) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(links, " · "))
	}
	return b.String()
}

// llmSummary is a generated summary waiting to be sent (empty Text: none to send).
type llmSummary struct {
	paper *paperboy.Paper
	paperboy.Summary
}

// summaryReady reports whether the owed summary of del can be sent now (or given up),
// and otherwise starts generating it in the background. The summary stays owed in the
// outbox until sent, so a restart generates it again (the summary cache makes that cheap).
func (d *Dispatcher) summaryReady(ctx context.Context, del paperboy.Delivery) bool {
	if !d.llm {
		return true // owed by a run with a summarizer; summary gives it up
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.summaries[del.ID]; ok {
		return true
	}
	if !d.generating[del.ID] {
		d.generating[del.ID] = true
		d.asyncWG.Add(1)
		go d.generate(ctx, del)
	}
	return false
}

// generate asks the LLM summarizer for del's summary, at most two at a time, and keeps
// it for summary. A failure leaves an empty summary (the extractive one shown in the
// post stands); stopping leaves it owed.
func (d *Dispatcher) generate(ctx context.Context, del paperboy.Delivery) {
	defer d.asyncWG.Done()
	log := d.log.With(slog.Int64("delivery_id", del.ID), slog.String("paper_id", del.PaperID))
	s, ok := func() (llmSummary, bool) {
		select {
		case d.asyncSem <- struct{}{}:
		case <-ctx.Done():
			return llmSummary{}, false
		}
		defer func() { <-d.asyncSem }()
		paper, err := d.cfg.Papers.FindPaper(ctx, del.PaperID)
		if err != nil {
			log.Error("loading the paper to summarize failed; retrying", slog.Any("error", err))
			return llmSummary{}, false
		}
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		sum, err := d.cfg.Summarizer.Summarize(sctx, paper)
		switch {
		case ctx.Err() != nil:
			return llmSummary{}, false
		case err != nil:
			log.Warn("summary failed; keeping the extractive one", slog.Any("error", err))
			return llmSummary{paper: paper}, true
		case sum.Text == "" || sum.Model == "extractive":
			return llmSummary{paper: paper}, true
		}
		return llmSummary{paper: paper, Summary: sum}, true
	}()
	d.mu.Lock()
	delete(d.generating, del.ID)
	if ok {
		d.summaries[del.ID] = s
	}
	d.mu.Unlock()
	if ok {
		d.Wake()
	}
}

// summary sends a generated LLM summary in the post's thread (once, like the abstract)
// and edits the post with it when the adapter is an Editor.
func (d *Dispatcher) summary(ctx context.Context, del paperboy.Delivery) time.Duration {
	log := d.log.With(slog.Int64("delivery_id", del.ID), slog.String("channel", del.Channel), slog.String("message", "summary"))
	chID, _ := d.channelID(del.Channel)
	d.mu.Lock()
	s := d.summaries[del.ID]
	d.mu.Unlock()
	switch {
	case !d.llm:
		log.Info("summary owed but no summarizer is configured; given up")
	case s.Text != "":
		m := Message{ThreadID: del.ThreadID, Text: "**Summary** (" + s.Model + "): " + s.Text, Key: SummaryKey(del.ID)}
		done, wait := d.sendOwed(ctx, log, chID, del, m, del.Summary == paperboy.OwedTried, false, d.cfg.Store.MarkSummaryTried)
		if !done {
			return wait
		}
		if ed, ok := d.cfg.Adapter.(Editor); ok {
			p := Post{Paper: s.paper, Summary: s.Text, Reason: d.reason(ctx, del.SubscriptionID), Key: DeliveryKey(del.ID)}
			err := ed.Edit(ctx, chID, PostRef{MessageID: del.MessageID, ThreadID: del.ThreadID}, p)
			d.called(err)
			if err != nil {
				log.Warn("editing the post with the summary failed", slog.Any("error", err))
			}
		}
	}
	if err := d.cfg.Store.MarkSummaryDone(context.WithoutCancel(ctx), del.ID); err != nil {
		log.Error("recording the summary failed", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	d.mu.Lock()
	delete(d.summaries, del.ID)
	delete(d.fails, del.ID)
	d.mu.Unlock()
	return 0
}

// Recover reconciles deliveries left in state sending by a crash (see Dispatcher). Run
// calls it first; it is safe to call again.
func (d *Dispatcher) Recover(ctx context.Context) error {
	ds, err := d.cfg.Store.Uncertain(ctx)
	if err != nil {
		return fmt.Errorf("bot: recover: %w", err)
	}
	finder, canFind := d.cfg.Adapter.(MessageFinder)
	now := d.cfg.Now()
	sort.Slice(ds, func(i, j int) bool { return ds[i].ID < ds[j].ID })
	// One digest message per channel and key: its deliveries are settled together.
	var digests [][]paperboy.Delivery
	digestAt := map[string]int{}
	for _, del := range ds {
		chID, ok := d.channelID(del.Channel)
		if !ok {
			continue
		}
		if !del.DigestAt.IsZero() {
			k := del.Channel + "\x00" + del.DigestKey
			if i, ok := digestAt[k]; ok {
				digests[i] = append(digests[i], del)
			} else {
				digestAt[k] = len(digests)
				digests = append(digests, []paperboy.Delivery{del})
			}
			continue
		}
		log := d.log.With(slog.Int64("delivery_id", del.ID), slog.String("channel", del.Channel), slog.String("paper_id", del.PaperID))
		if canFind {
			ref, found, err := finder.FindMessage(ctx, chID, "", DeliveryKey(del.ID), del.CreatedAt.Add(-time.Minute))
			if err != nil {
				return fmt.Errorf("bot: recover: look up delivery %d: %w", del.ID, err)
			}
			if found {
				rec := paperboy.PostRecord{Channel: del.Channel, MessageID: ref.MessageID, ThreadID: ref.ThreadID,
					PaperID: del.PaperID, DeliveryID: del.ID, PostedAt: now}
				if err := d.cfg.Store.MarkSent(ctx, del.ID, rec); err != nil {
					return fmt.Errorf("bot: recover: %w", err)
				}
				log.Info("uncertain delivery was posted before the crash; recorded", slog.String("message_id", ref.MessageID))
				continue
			}
			if err := d.cfg.Store.MarkRetry(ctx, []int64{del.ID}, now, "not posted before a restart"); err != nil {
				return fmt.Errorf("bot: recover: %w", err)
			}
			log.Info("uncertain delivery was not posted before the crash; posting it")
			continue
		}
		if err := d.cfg.Store.MarkRetry(ctx, []int64{del.ID}, now, "uncertain after a restart; sent again"); err != nil {
			return fmt.Errorf("bot: recover: %w", err)
		}
		log.Warn("uncertain delivery sent again (no message lookup on this platform): it may appear twice")
	}
	for _, g := range digests {
		if err := d.recoverDigest(ctx, g, now); err != nil {
			return err
		}
	}
	d.recovered = true
	return nil
}

// recoverDigest settles the deliveries of one digest message left sending: found by its
// key means sent, otherwise they go back to pending (and keep the key).
func (d *Dispatcher) recoverDigest(ctx context.Context, ds []paperboy.Delivery, now time.Time) error {
	chID, _ := d.channelID(ds[0].Channel)
	key := ds[0].DigestKey
	log := d.log.With(slog.String("channel", ds[0].Channel), slog.String("key", key), slog.Int("papers", len(ds)))
	ids := make([]int64, len(ds))
	for i, x := range ds {
		ids[i] = x.ID
	}
	if finder, ok := d.cfg.Adapter.(MessageFinder); ok && key != "" {
		ref, found, err := finder.FindMessage(ctx, chID, "", key, digestSince(ds))
		if err != nil {
			return fmt.Errorf("bot: recover: look up digest %s: %w", key, err)
		}
		if found {
			if err := d.cfg.Store.MarkDigestSent(ctx, ids, ref.MessageID, now); err != nil {
				return fmt.Errorf("bot: recover: %w", err)
			}
			log.Info("uncertain digest was sent before the crash; recorded", slog.String("message_id", ref.MessageID))
			return nil
		}
		if err := d.cfg.Store.MarkRetry(ctx, ids, now, "not sent before a restart"); err != nil {
			return fmt.Errorf("bot: recover: %w", err)
		}
		log.Info("uncertain digest was not sent before the crash; sending it")
		return nil
	}
	if err := d.cfg.Store.MarkRetry(ctx, ids, now, "uncertain after a restart; sent again"); err != nil {
		return fmt.Errorf("bot: recover: %w", err)
	}
	log.Warn("uncertain digest sent again (no message lookup on this platform): it may appear twice")
	return nil
}

// digestSince is the earliest time a digest listing ds can have been sent (less a minute
// for clock skew).
func digestSince(ds []paperboy.Delivery) time.Time {
	t := ds[0].CreatedAt
	for _, x := range ds[1:] {
		if x.CreatedAt.Before(t) {
			t = x.CreatedAt
		}
	}
	return t.Add(-time.Minute)
}
