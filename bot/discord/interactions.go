package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// Interaction types and the initial response types paperboy uses (Discord's values).
const (
	ixPing         = 1
	ixCommand      = 2
	ixComponent    = 3
	ixAutocomplete = 4

	respPong          = 1
	respMessage       = 4 // CHANNEL_MESSAGE_WITH_SOURCE
	respDeferred      = 5 // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "thinking…", answered later
	respDeferredClick = 6 // DEFERRED_UPDATE_MESSAGE: a click acknowledged without a visible change
	respChoices       = 8 // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT

	flagEphemeral = discordgo.MessageFlagsEphemeral // 64

	permAdministrator = 1 << 3
	permManageGuild   = 1 << 5
)

// Discord's limits on interaction answers, beyond those in render.go.
const (
	maxChoiceName = 100
	maxButtons    = 25 // 5 rows of 5
)

// defaultAckBudget is how long a command may run before it is answered "thinking…"
// (Discord wants the initial response within 3 s of the interaction).
const defaultAckBudget = 2500 * time.Millisecond

// dmText answers commands used in a direct message.
const dmText = "paperboy works in server channels: use `/papers` in a channel of a server the bot was added to " +
	"(subscriptions, posts and votes belong to a channel)."

// interaction is the part of an INTERACTION_CREATE payload (Gateway) or an interactions
// endpoint request body (HTTP) that paperboy reads.
type interaction struct {
	ID            string `json:"id"`
	ApplicationID string `json:"application_id"`
	Type          int    `json:"type"`
	Token         string `json:"token"`
	GuildID       string `json:"guild_id"`
	ChannelID     string `json:"channel_id"`
	Channel       *struct {
		ID       string `json:"id"`
		Type     int    `json:"type"`
		ParentID string `json:"parent_id"`
	} `json:"channel"`
	Member *struct {
		User        ixUser `json:"user"`
		Permissions string `json:"permissions"`
	} `json:"member"`
	User    *ixUser `json:"user"`
	Data    ixData  `json:"data"`
	Message *struct {
		ID string `json:"id"`
	} `json:"message"`
}

type ixUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

type ixData struct {
	Name     string     `json:"name"`
	Type     int        `json:"type"`
	Options  []ixOption `json:"options"`
	CustomID string     `json:"custom_id"`
}

type ixOption struct {
	Name    string          `json:"name"`
	Type    int             `json:"type"`
	Value   json.RawMessage `json:"value"`
	Focused bool            `json:"focused"`
	Options []ixOption      `json:"options"`
}

// text is an option's value as text: strings unquoted, numbers as written.
func (o ixOption) text() string {
	var s string
	if json.Unmarshal(o.Value, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(o.Value))
}

// user is who acted: the member's user in a guild, the user in a DM.
func (in *interaction) user() ixUser {
	if in.Member != nil {
		return in.Member.User
	}
	if in.User != nil {
		return *in.User
	}
	return ixUser{}
}

// isAdmin reports whether the member may manage the server: Administrator or Manage
// Server in the permissions the interaction carries (a decimal bit string).
func (in *interaction) isAdmin() bool {
	if in.Member == nil {
		return false
	}
	p, err := strconv.ParseUint(in.Member.Permissions, 10, 64)
	return err == nil && p&(permAdministrator|permManageGuild) != 0
}

// channel is the channel an interaction belongs to: a thread's parent (a forum post or a
// post's thread belongs to the channel the paper was posted in).
func (a *Adapter) interactionChannel(ctx context.Context, in *interaction) string {
	if c := in.Channel; c != nil && c.ID == in.ChannelID && c.ParentID != "" && c.Type >= 10 && c.Type <= 12 {
		return c.ParentID
	}
	if info, ok := a.threadInfo(ctx, in.ChannelID); ok && info.thread && info.parent != "" {
		return info.parent
	}
	return in.ChannelID
}

// errDuplicate: the interaction was already received (and answered); it is not run again.
var errDuplicate = errors.New("discord: interaction already received")

// sendFunc delivers the initial response: a REST callback (Gateway) or the HTTP answer.
type sendFunc func(*discordgo.InteractionResponse) error

// interaction answers one interaction. It calls send exactly once, within Discord's 3
// seconds, and leaves slower work (deferred replies, click events) running on r.
func (r *runner) interaction(in interaction, send sendFunc) error {
	a := r.a
	if in.ID == "" || in.Token == "" {
		return errors.New("discord: interaction without id or token")
	}
	if in.Type == ixPing {
		return send(&discordgo.InteractionResponse{Type: respPong})
	}
	if a.in.seen.Seen("ix:"+in.ID, a.now()) {
		a.log.Debug("discord duplicate interaction dropped", slog.String("interaction_id", in.ID))
		return errDuplicate
	}
	switch in.Type {
	case ixCommand:
		return r.command(in, send)
	case ixComponent:
		return r.click(in, send)
	case ixAutocomplete:
		return send(&discordgo.InteractionResponse{Type: respChoices,
			Data: &discordgo.InteractionResponseData{Choices: r.complete(in)}})
	}
	return send(ephemeral("paperboy does not handle this kind of interaction."))
}

// command runs /papers: the core answers within the budget, or the answer is deferred
// ("thinking…", visible to the asker only) and follows through the interaction webhook.
func (r *runner) command(in interaction, send sendFunc) error {
	a := r.a
	if in.GuildID == "" {
		return send(ephemeral(dmText))
	}
	text, err := commandText(in.Data)
	if err != nil {
		return send(ephemeral(paperboy.ErrorMessage(err)))
	}
	u := in.user()
	f := newFollowup(a, in)
	budget := a.in.ackBudget
	ctx, cancel := context.WithTimeout(r.ctx, budget)
	c := bot.Command{Platform: "discord", Channel: a.interactionChannel(ctx, &in), User: u.ID, UserName: u.Username,
		Text: text, IsAdmin: in.isAdmin(), Respond: f.respond}
	done := make(chan bot.Reply, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("discord command handler panicked", slog.Any("panic", p))
				done <- bot.Reply{Text: "Something went wrong on our side; it has been logged."}
			}
		}()
		done <- r.h.HandleCommand(ctx, c)
	}()
	timer := time.NewTimer(budget + 150*time.Millisecond)
	defer timer.Stop()
	var reply bot.Reply
	select {
	case reply = <-done:
	case <-timer.C:
		a.log.Warn("discord command overran the acknowledgement budget; answering through the interaction webhook",
			slog.Duration("budget", budget))
		err := f.ack(send, deferredResponse())
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			late := <-done
			if late.Deferred {
				return // the core answers through Respond itself
			}
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(r.ctx), 30*time.Second)
			defer rcancel()
			if err := f.respond(rctx, late); err != nil {
				a.log.Warn("discord late command answer failed", slog.String("reason", bot.ClassifySend(err).Reason))
			}
		}()
		return err
	}
	if reply.Deferred {
		return f.ack(send, deferredResponse())
	}
	return f.ack(send, &discordgo.InteractionResponse{Type: respMessage, Data: renderReply(reply)})
}

// click acknowledges a button at once (deferred update: no visible change, no "thinking"
// left behind when the bot has nothing to say) and queues it as a bot event after the
// reactions and replies received before it. The bot's answer (Event.Respond) is an
// ephemeral follow-up only the clicker sees.
func (r *runner) click(in interaction, send sendFunc) error {
	a := r.a
	f := newFollowup(a, in)
	if err := f.ack(send, &discordgo.InteractionResponse{Type: respDeferredClick}); err != nil {
		return err
	}
	u := in.user()
	if in.GuildID == "" || u.ID == "" {
		return nil
	}
	action, value, ok := parseCustomID(in.Data.CustomID)
	if !ok {
		return nil
	}
	msgID := ""
	if in.Message != nil {
		msgID = in.Message.ID
	}
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	e := bot.Event{
		ID: "ix:" + in.ID, Kind: bot.EventButton, Platform: "discord", Channel: a.interactionChannel(ctx, &in),
		MessageID: msgID, User: u.ID, Action: action, Value: value, At: a.now(),
		Respond: func(ctx context.Context, rep bot.Reply) error {
			rep.InChannel = false
			return f.followup(ctx, rep)
		},
	}
	// The id was recorded by interaction(): queue it past push's dedupe.
	select {
	case r.events <- e:
	case <-r.ctx.Done():
	}
	return nil
}

// complete answers autocomplete from the core's Completer (when the handler has one).
func (r *runner) complete(in interaction) []*discordgo.ApplicationCommandOptionChoice {
	out := []*discordgo.ApplicationCommandOptionChoice{}
	comp, ok := r.h.(bot.Completer)
	if !ok || in.GuildID == "" || len(in.Data.Options) == 0 {
		return out
	}
	sub := in.Data.Options[0]
	var focused *ixOption
	for i := range sub.Options {
		if sub.Options[i].Focused {
			focused = &sub.Options[i]
		}
	}
	if focused == nil {
		return out
	}
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Second)
	defer cancel()
	u := in.user()
	c := bot.Command{Platform: "discord", Channel: r.a.interactionChannel(ctx, &in), User: u.ID, UserName: u.Username, IsAdmin: in.isAdmin()}
	integer := focused.Type == int(discordgo.ApplicationCommandOptionInteger)
	for _, ch := range comp.Complete(ctx, c, sub.Name, focused.text()) {
		if len(out) == bot.MaxChoices {
			break
		}
		var v any = cutWords(ch.Value, 100)
		if integer {
			n, err := strconv.ParseInt(ch.Value, 10, 64)
			if err != nil {
				continue
			}
			v = n
		}
		name := cutWords(strings.TrimSpace(ch.Name), maxChoiceName)
		if name == "" {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: v})
	}
	return out
}

func ephemeral(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: respMessage, Data: &discordgo.InteractionResponseData{
		Content: cutWords(text, maxContent), Flags: flagEphemeral, AllowedMentions: noPings(), Components: []discordgo.MessageComponent{}}}
}

func deferredResponse() *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: respDeferred, Data: &discordgo.InteractionResponseData{Flags: flagEphemeral}}
}

// noPings keeps titles and user text from pinging anyone (@everyone in a search), in
// discordgo's type for interaction answers (render.go's noMentions is the REST body's).
func noPings() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// renderReply turns a bot reply into an interaction message: ephemeral unless InChannel,
// with a "Share in channel" button per listed paper (at most 25: 5 rows of 5).
func renderReply(r bot.Reply) *discordgo.InteractionResponseData {
	text := r.Text
	if strings.TrimSpace(text) == "" {
		text = "Working on it…"
	}
	d := &discordgo.InteractionResponseData{Content: cutWords(text, maxContent), AllowedMentions: noPings(),
		Components: shareButtons(r.Papers)}
	if !r.InChannel {
		d.Flags = flagEphemeral
	}
	return d
}

func shareButtons(papers []*paperboy.Paper) []discordgo.MessageComponent {
	rows := []discordgo.MessageComponent{}
	var row []discordgo.MessageComponent
	n := 0
	for i, p := range papers {
		if p == nil || p.ID == "" || customID(actionShare, p.ID) == actionShare+":" || n == maxButtons {
			continue
		}
		label := cutWords(fmt.Sprintf("Share %d in channel: %s", i+1, paperboy.CollapseSpace(p.Title)), maxButtonLabel)
		row = append(row, discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: customID(actionShare, p.ID)})
		n++
		if len(row) == 5 {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// followup sends the later answers of one interaction through its webhook (valid 15
// minutes): the first answer to a deferred command edits the "thinking…" message.
type followup struct {
	a     *Adapter
	ix    *discordgo.Interaction
	acked chan struct{} // closed once the initial response is sent

	mu       sync.Mutex
	deferred bool // the initial response was "thinking…", not yet replaced
}

func newFollowup(a *Adapter, in interaction) *followup {
	appID := in.ApplicationID
	if appID == "" {
		appID = a.opts.AppID
	}
	return &followup{a: a, ix: &discordgo.Interaction{ID: in.ID, AppID: appID, Token: in.Token}, acked: make(chan struct{})}
}

// ack sends the initial response and releases the follow-ups waiting for it.
func (f *followup) ack(send sendFunc, resp *discordgo.InteractionResponse) error {
	f.mu.Lock()
	f.deferred = resp.Type == respDeferred
	f.mu.Unlock()
	err := send(resp)
	close(f.acked)
	return err
}

// respond is Command.Respond. Discord fixes a deferred answer's visibility when it is
// deferred (ephemeral here), so an answer meant for everyone is posted as a public
// follow-up and the "thinking…" message points to it.
func (f *followup) respond(ctx context.Context, r bot.Reply) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	first := f.deferred
	f.deferred = false
	f.mu.Unlock()
	if !first {
		return f.followup(ctx, r)
	}
	if r.InChannel {
		if err := f.followup(ctx, r); err == nil {
			return f.editOriginal(ctx, bot.Reply{Text: "Done: the answer is posted in the channel for everyone."})
		}
	}
	return f.editOriginal(ctx, r)
}

func (f *followup) wait(ctx context.Context) error {
	select {
	case <-f.acked:
		return nil
	case <-ctx.Done():
		return bot.Temporary("timeout", 0, ctx.Err())
	}
}

// followup posts a new message: ephemeral unless r.InChannel.
func (f *followup) followup(ctx context.Context, r bot.Reply) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	d := renderReply(r)
	_, err := f.a.session.FollowupMessageCreate(f.ix, true, &discordgo.WebhookParams{
		Content: d.Content, Components: d.Components, AllowedMentions: d.AllowedMentions, Flags: d.Flags,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return classifyREST(fmt.Errorf("discord: interaction follow-up: %w", redactURL(err)))
	}
	return nil
}

// editOriginal replaces the initial ("thinking…") response.
func (f *followup) editOriginal(ctx context.Context, r bot.Reply) error {
	d := renderReply(r)
	_, err := f.a.session.InteractionResponseEdit(f.ix, &discordgo.WebhookEdit{
		Content: &d.Content, Components: &d.Components, AllowedMentions: d.AllowedMentions,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return classifyREST(fmt.Errorf("discord: edit interaction response: %w", redactURL(err)))
	}
	return nil
}

// redactURL drops the request URL from a transport error: an interaction webhook's URL
// holds the interaction token, which must not reach logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
