package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Reaction names (Slack names, Discord unicode) that count as votes.
var reactionValues = map[string]int{
	"+1": 1, "thumbsup": 1, "thumbs_up": 1, "👍": 1, "arrow_up": 1, "arrow_up_small": 1, "⬆️": 1, "⬆": 1,
	"heavy_plus_sign": 1, "➕": 1, "up": 1, "upvote": 1, "🔼": 1,
	"-1": -1, "thumbsdown": -1, "thumbs_down": -1, "👎": -1, "arrow_down": -1, "arrow_down_small": -1,
	"⬇️": -1, "⬇": -1, "heavy_minus_sign": -1, "➖": -1, "down": -1, "downvote": -1, "🔽": -1,
}

// ReactionValue returns +1 or -1 for a voting reaction (skin tones and colons ignored),
// 0 for any other.
func ReactionValue(name string) int {
	name = strings.Trim(strings.TrimSpace(name), ":")
	if i := strings.Index(name, "::skin-tone"); i >= 0 {
		name = name[:i]
	}
	name = strings.TrimRightFunc(name, isSkinTone)
	return reactionValues[strings.ToLower(name)]
}

// ReplyVote returns +1 or -1 when a thread reply is a vote ("+1", "-1", "👍", "👎"),
// 0 when it is discussion.
func ReplyVote(text string) int {
	t := strings.TrimRight(strings.TrimSpace(text), "!. ")
	t = strings.TrimRightFunc(t, isSkinTone)
	switch t {
	case "+1", "👍", ":+1:", ":thumbsup:", "+ 1":
		return 1
	case "-1", "👎", ":-1:", ":thumbsdown:", "- 1", "−1":
		return -1
	}
	return 0
}

func isSkinTone(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

// eventID returns the dedupe key of e: the platform's id, or one built from what the
// event is about.
func eventID(e Event) string {
	if e.ID != "" {
		return e.Platform + ":" + e.ID
	}
	id := strings.Join([]string{e.Platform, e.Kind, e.Channel, e.MessageID, e.ThreadID, e.User, e.Reaction, e.Action, e.Value}, "\x1f")
	if !e.At.IsZero() {
		id += fmt.Sprintf("\x1f%d", e.At.UnixNano())
	}
	return id
}

// HandleEvent records a reaction, button click or thread reply. Redelivered events
// count once; events on messages that are not paper posts are ignored.
func (b *Bot) HandleEvent(ctx context.Context, e Event) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("bot: event handler panicked", slog.String("kind", e.Kind), slog.Any("panic", p))
		}
	}()
	if err := b.handleEvent(ctx, e); err != nil {
		if e.Kind == EventButton {
			b.tell(ctx, e, paperboy.ErrorMessage(err))
		}
		level := slog.LevelWarn
		if paperboy.ErrorCode(err) == paperboy.EINTERNAL {
			level = slog.LevelError
		}
		b.log.Log(ctx, level, "bot: event not recorded", slog.String("kind", e.Kind), slog.String("channel", e.Channel),
			slog.String("message_id", e.MessageID), slog.String("error", err.Error()))
	}
}

func (b *Bot) handleEvent(ctx context.Context, e Event) error {
	switch e.Kind {
	case EventReactionAdded, EventReactionRemoved:
		if ReactionValue(e.Reaction) == 0 {
			return nil // not a vote: no need to remember it
		}
	case EventButton, EventThreadReply:
	default:
		return nil
	}
	if e.User == "" || e.Channel == "" {
		return paperboy.Errorf(paperboy.EINVALID, "event without user or channel")
	}
	first, err := b.cfg.Social.SeenEvent(ctx, eventID(e))
	if err != nil {
		return err
	}
	if !first {
		b.log.Debug("bot: duplicate event", slog.String("kind", e.Kind), slog.String("event_id", e.ID))
		return nil
	}
	key := paperboy.ChannelKey(e.Platform, e.Channel)
	ref := e.MessageID
	if e.Kind == EventThreadReply {
		ref = e.ThreadID
	}
	post, err := b.cfg.Social.FindPost(ctx, key, ref)
	if paperboy.ErrorCode(err) == paperboy.ENOTFOUND && e.Kind == EventButton && e.Value != "" {
		// A button on a command reply (search result): its value names the paper.
		p, ferr := b.cfg.Papers.FindPaper(ctx, e.Value)
		if ferr != nil {
			return ferr
		}
		post, err = paperboy.PostRecord{Channel: key, PaperID: p.ID}, nil
	}
	if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
		return nil // a reaction on some other message
	}
	if err != nil {
		return err
	}
	vote := paperboy.Vote{PaperID: post.PaperID, Channel: key, User: e.User, At: b.now()}
	changed := false
	switch e.Kind {
	case EventReactionAdded:
		vote.Value, vote.Via = ReactionValue(e.Reaction), paperboy.ViaReaction
		changed, err = b.cfg.Social.CastVote(ctx, vote)
	case EventReactionRemoved:
		vote.Value, vote.Via = ReactionValue(e.Reaction), paperboy.ViaReaction
		changed, err = b.cfg.Social.RemoveVote(ctx, vote)
	case EventThreadReply:
		if v := ReplyVote(e.Text); v != 0 {
			vote.Value, vote.Via = v, paperboy.ViaReply
			changed, err = b.cfg.Social.CastVote(ctx, vote)
		} else {
			msgID := e.MessageID
			if msgID == "" {
				msgID = eventID(e)
			}
			changed, err = b.cfg.Social.AddReply(ctx, key, msgID, post.PaperID, e.User)
		}
	case EventButton:
		var note string
		changed, note, err = b.button(ctx, e, post, vote)
		if err == nil {
			b.tell(ctx, e, note)
		}
	}
	if err != nil || !changed || post.MessageID == "" {
		return err
	}
	b.refresh(ctx, e.Channel, post)
	return nil
}

// voteButtons are the buttons that cast a vote: value, confirmation (%s: the paper), noun,
// button label.
var voteButtons = map[string]struct {
	value              int
	done, noun, button string
}{
	"upvote":       {1, "Upvoted %s.", "upvote", "Upvote"},
	"downvote":     {-1, "Downvoted %s.", "downvote", "Downvote"},
	"not_relevant": {-1, "Marked %s as not relevant (a downvote).", "not-relevant vote", "Not relevant"},
}

// button handles a button click on a post or a result and returns what to tell the user.
//
// A vote button sets the user's one vote on the paper in the channel. Clicking it again
// takes back a vote cast by button or thread reply; a vote cast by reaction stays while
// the reaction shows on the post (removing the reaction takes it back), so the post never
// shows a reaction that does not count. A vote of the other sign is replaced.
func (b *Bot) button(ctx context.Context, e Event, post paperboy.PostRecord, vote paperboy.Vote) (bool, string, error) {
	vote.Via = paperboy.ViaButton
	if vb, ok := voteButtons[e.Action]; ok {
		vote.Value = vb.value
		title := b.paperTitle(ctx, post.PaperID)
		cur, err := b.cfg.Social.FindVote(ctx, vote.PaperID, vote.Channel, vote.User)
		if err != nil && paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			return false, "", err
		}
		had := err == nil
		switch {
		case had && cur.Value == vote.Value && cur.Via == paperboy.ViaReaction:
			return false, fmt.Sprintf("You already %svoted %s with a %s reaction, so your vote stays as it is. "+
				"Remove the reaction to take it back.", signWord(vote.Value), title, voteEmoji(vote.Value)), nil
		case had && cur.Value == vote.Value:
			removed, err := b.cfg.Social.RemoveVote(ctx, paperboy.Vote{PaperID: vote.PaperID, Channel: vote.Channel, User: vote.User})
			return removed, fmt.Sprintf("Took back your %s on %s. Click **%s** again to vote again.", vb.noun, title, vb.button), err
		}
		changed, err := b.cfg.Social.CastVote(ctx, vote)
		if err != nil {
			return false, "", err
		}
		note := fmt.Sprintf(vb.done, title)
		if had {
			note += fmt.Sprintf(" It replaces your %svote: one vote per paper.", signWord(cur.Value))
		}
		note += fmt.Sprintf(" Click **%s** again to take it back.", vb.button)
		if had && cur.Via == paperboy.ViaReaction {
			note += fmt.Sprintf(" Your %s reaction stays on the post but no longer counts.", voteEmoji(cur.Value))
		}
		return changed, note, nil
	}
	switch e.Action {
	case "read_later":
		added, err := b.cfg.Social.AddToReadingList(ctx, paperboy.ChannelKey(e.Platform, e.User), post.PaperID)
		if err != nil {
			return false, "", err
		}
		title := b.paperTitle(ctx, post.PaperID)
		if !added {
			return false, title + " is already in your reading list (`/papers readlist`).", nil
		}
		return false, "Added " + title + " to your reading list (`/papers readlist`).", nil
	case "share":
		p, err := b.cfg.Papers.FindPaper(ctx, post.PaperID)
		if err != nil {
			return false, "", err
		}
		r, err := b.share(ctx, Command{Platform: e.Platform, Channel: e.Channel, User: e.User}, p)
		if err != nil {
			return false, "", err
		}
		b.log.Info("bot: share button", slog.String("paper_id", p.ID), slog.String("reply", r.Text))
		return false, r.Text, nil
	}
	return false, "", nil
}

// paperTitle is a paper's linked title for a confirmation, or its id.
func (b *Bot) paperTitle(ctx context.Context, id string) string {
	p, err := b.cfg.Papers.FindPaper(ctx, id)
	if err != nil {
		return id
	}
	return Link(p.Title, p.URL())
}

func signWord(v int) string {
	if v < 0 {
		return "down"
	}
	return "up"
}

func voteEmoji(v int) string {
	if v < 0 {
		return "👎"
	}
	return "👍"
}

// tell answers the user who acted, only them, where the platform can (Event.Respond). It
// does not hold up the next event.
func (b *Bot) tell(ctx context.Context, e Event, text string) {
	if e.Respond == nil || strings.TrimSpace(text) == "" {
		return
	}
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := e.Respond(rctx, Reply{Text: text}); err != nil {
			b.log.Warn("bot: answer to a click failed", slog.String("action", e.Action), slog.String("reason", ClassifySend(err).Reason))
		}
	}()
}

// editState throttles the edits of one post.
type editState struct {
	last    time.Time
	pending bool // a trailing edit is scheduled
}

// refresh shows the new counts on a post: at once when the post was not edited in the
// last EditInterval, otherwise in one trailing edit at the end of the interval.
func (b *Bot) refresh(ctx context.Context, channelID string, post paperboy.PostRecord) {
	platform, _, _ := strings.Cut(post.Channel, ":")
	ed, ok := b.adapter(platform).(Editor)
	if !ok {
		return
	}
	k := post.Channel + "\x00" + post.MessageID
	now := b.now()
	b.mu.Lock()
	st := b.edits[k]
	if st == nil {
		st = &editState{}
		b.edits[k] = st
	}
	if st.pending {
		b.mu.Unlock()
		return
	}
	wait := st.last.Add(b.cfg.EditInterval).Sub(now)
	if wait <= 0 {
		st.last = now
		b.pruneEditsLocked(now)
		b.mu.Unlock()
		b.edit(ctx, ed, channelID, post)
		return
	}
	st.pending = true
	b.bg.Add(1)
	b.mu.Unlock()
	bg := context.WithoutCancel(ctx)
	b.cfg.AfterFunc(wait, func() {
		defer b.bg.Done()
		b.mu.Lock()
		st.pending = false
		st.last = b.now()
		b.mu.Unlock()
		b.edit(bg, ed, channelID, post)
	})
}

// pruneEditsLocked forgets throttle state of posts not edited for a while.
func (b *Bot) pruneEditsLocked(now time.Time) {
	if len(b.edits) < 1024 {
		return
	}
	for k, st := range b.edits {
		if !st.pending && now.Sub(st.last) > 10*b.cfg.EditInterval {
			delete(b.edits, k)
		}
	}
}

func (b *Bot) edit(ctx context.Context, ed Editor, channelID string, post paperboy.PostRecord) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := b.cfg.Papers.FindPaper(ctx, post.PaperID)
	if err != nil {
		b.log.Warn("bot: edit post: find paper", slog.String("paper_id", post.PaperID), slog.String("error", err.Error()))
		return
	}
	t, err := b.cfg.Social.Tally(ctx, post.PaperID, post.Channel)
	if err != nil {
		b.log.Warn("bot: edit post: tally", slog.String("paper_id", post.PaperID), slog.String("error", err.Error()))
		return
	}
	// Adapters re-render the whole post: keep its summary and reason.
	np := Post{Paper: p, Tally: t, Key: postKey(post.DeliveryID), Reason: b.postReason(ctx, post)}
	if b.cfg.Summarizer != nil {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if s, err := b.cfg.Summarizer.Summarize(sctx, p); err == nil {
			np.Summary = s.Text
		}
		cancel()
	}
	ref := PostRef{MessageID: post.MessageID, ThreadID: post.ThreadID}
	if err := ed.Edit(ctx, channelID, ref, np); err != nil {
		b.log.Warn("bot: edit post", slog.String("channel", post.Channel), slog.String("message_id", post.MessageID), slog.String("error", err.Error()))
	}
}

// postReason is the "why" of a post: its subscription's filter, or "shared in chat".
func (b *Bot) postReason(ctx context.Context, post paperboy.PostRecord) string {
	if post.DeliveryID == 0 {
		return ""
	}
	subID, err := b.cfg.Social.DeliverySubscription(ctx, post.DeliveryID)
	if err != nil {
		return ""
	}
	if subID == 0 {
		return "shared in chat"
	}
	subs, err := b.cfg.Subs.Subscriptions(ctx, post.Channel)
	if err != nil {
		return ""
	}
	for _, s := range subs {
		if s.ID == subID {
			return s.Query.Describe()
		}
	}
	return ""
}

// postKey is the Post.Key of a delivery (DeliveryKey), "" for posts without one.
func postKey(id int64) string {
	if id == 0 {
		return ""
	}
	return DeliveryKey(id)
}
