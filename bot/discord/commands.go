package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// CommandName is the one application command paperboy registers: /papers with a
// subcommand per command of the grammar.
const CommandName = "papers"

// optSpec is a typed option of a subcommand and how it becomes command text.
type optSpec struct {
	name, desc   string
	typ          discordgo.ApplicationCommandOptionType
	required     bool
	autocomplete bool
	choices      []string
	min, max     float64 // integers: bounds (max 0 = none)
	// key, when set, writes the value as key:value (quoted when it has spaces); otherwise
	// the value is written as typed: free text in the grammar (a query, a filter) or the
	// command's positional argument.
	key string
}

// subSpec is a /papers subcommand: a command of the grammar with typed options.
type subSpec struct {
	name, desc string
	opts       []optSpec
}

const paperOptDesc = "arXiv id or link (2401.01234, https://arxiv.org/abs/2401.01234), DOI or Hugging Face paper page"

func paperOpt() optSpec {
	return optSpec{name: "paper", desc: paperOptDesc, typ: discordgo.ApplicationCommandOptionString, required: true}
}

// subcommands is /papers, in help order. TestSubcommandsCoverGrammar keeps it in step
// with the core's grammar.
var subcommands = []subSpec{
	{name: "search", desc: "Search the stored papers", opts: []optSpec{
		{name: "query", desc: `Words and "phrases" in titles and abstracts; -word excludes`, typ: discordgo.ApplicationCommandOptionString},
		{name: "author", desc: "An author's name", typ: discordgo.ApplicationCommandOptionString, key: "author"},
		{name: "category", desc: "arXiv category, e.g. cs.LG (several: cs.LG,cs.CL)", typ: discordgo.ApplicationCommandOptionString, key: "cat"},
		{name: "since", desc: "Age (7d, 2w, 3m, 1y) or date (2024-01-01)", typ: discordgo.ApplicationCommandOptionString, key: "since"},
		{name: "sort", desc: "Order of the results", typ: discordgo.ApplicationCommandOptionString, key: "sort",
			choices: []string{"relevance", "new", "votes"}},
	}},
	{name: "show", desc: "A paper's full record, votes and links", opts: []optSpec{paperOpt()}},
	{name: "bib", desc: "A paper's BibTeX entry", opts: []optSpec{paperOpt()}},
	{name: "summary", desc: "A short summary of a paper", opts: []optSpec{paperOpt()}},
	{name: "similar", desc: "Papers like this one", opts: []optSpec{paperOpt()}},
	{name: "recommend", desc: "Papers this channel's votes say it wants, each with why", opts: []optSpec{
		{name: "count", desc: "How many (default 5)", typ: discordgo.ApplicationCommandOptionInteger, min: 1, max: 20},
		{name: "since", desc: "Stored within this age (7d, 2w, 1m; default 7d)", typ: discordgo.ApplicationCommandOptionString, key: "since"},
	}},
	{name: "top", desc: "This channel's most voted papers", opts: []optSpec{
		{name: "period", desc: "Over the last day, week (default) or month", typ: discordgo.ApplicationCommandOptionString,
			choices: []string{"day", "week", "month"}},
	}},
	{name: "add", desc: "Share a paper here: fetch, store and post it with a thread", opts: []optSpec{paperOpt()}},
	{name: "subscribe", desc: "Post papers matching a filter in this channel", opts: []optSpec{
		{name: "filter", desc: `Words, "phrases", -exclusions, author:NAME, cat:cs.LG, upvotes:N (empty with rank)`, typ: discordgo.ApplicationCommandOptionString},
		{name: "rank", desc: "for-you: by this channel's votes; trending: most upvoted on Hugging Face; or both",
			typ: discordgo.ApplicationCommandOptionString, choices: []string{"for-you", "trending", "trending for-you"}},
		{name: "digest", desc: "daily@09:00, weekly@mon or weekly@mon@09:00 (empty: post papers as they arrive)",
			typ: discordgo.ApplicationCommandOptionString, key: "digest"},
		{name: "top", desc: "A for-you or trending digest holds the best N (default 10)",
			typ: discordgo.ApplicationCommandOptionInteger, key: "top", min: 1, max: 100},
		{name: "min", desc: "Immediate for-you: post only papers scoring low, medium (default), high or a number",
			typ: discordgo.ApplicationCommandOptionString, key: "min"},
		{name: "cap", desc: "At most this many posts a day (0: no cap; empty: the default cap)",
			typ: discordgo.ApplicationCommandOptionInteger, key: "cap", min: 0, max: 1000},
	}},
	{name: "unsubscribe", desc: "Remove a subscription of this channel", opts: []optSpec{
		{name: "id", desc: "The subscription (see /papers subscriptions)", typ: discordgo.ApplicationCommandOptionInteger,
			required: true, autocomplete: true, min: 1},
	}},
	{name: "subscriptions", desc: "List this channel's subscriptions"},
	{name: "status", desc: "Deliveries, failures and the last ingest"},
	{name: "timezone", desc: "Show or set this channel's time zone for digests", opts: []optSpec{
		{name: "name", desc: "IANA time zone, e.g. Europe/Berlin (empty: show the current one)",
			typ: discordgo.ApplicationCommandOptionString, autocomplete: true},
	}},
	{name: "readlist", desc: "Your read-later list", opts: []optSpec{
		{name: "format", desc: "bib: as BibTeX entries", typ: discordgo.ApplicationCommandOptionString, choices: []string{"bib"}},
	}},
	{name: "help", desc: "The commands, or one command's help", opts: []optSpec{
		{name: "command", desc: "A command", typ: discordgo.ApplicationCommandOptionString,
			choices: []string{"search", "show", "bib", "summary", "similar", "recommend", "top", "add", "subscribe", "unsubscribe",
				"subscriptions", "status", "timezone", "readlist"}},
	}},
}

// commandText turns a /papers interaction's subcommand and typed options back into the
// command text the core parses ("search speculative decoding author:\"Tri Dao\" sort:new").
// Keyed values cannot break out of their key: quotes are dropped and a value with spaces
// is quoted, so `author: x" cat:math` stays one author.
func commandText(d ixData) (string, error) {
	if d.Name != CommandName || len(d.Options) != 1 || d.Options[0].Type != int(discordgo.ApplicationCommandOptionSubCommand) {
		return "", paperboy.Errorf(paperboy.EINVALID, "This is not a /papers command paperboy knows; try `/papers help`.")
	}
	sub := d.Options[0]
	var spec *subSpec
	for i := range subcommands {
		if subcommands[i].name == sub.Name {
			spec = &subcommands[i]
		}
	}
	if spec == nil {
		return "", paperboy.Errorf(paperboy.EINVALID, "paperboy has no /papers %s (its commands may have changed: run `paperboy discord register`); try `/papers help`.",
			cutWords(sub.Name, 32))
	}
	parts := []string{spec.name}
	for _, o := range spec.opts {
		for _, got := range sub.Options {
			if got.Name != o.name {
				continue
			}
			v := strings.Join(strings.Fields(got.text()), " ")
			if v == "" {
				continue
			}
			if o.key == "" {
				parts = append(parts, v)
				continue
			}
			if v = keyedValue(v); v != "" {
				parts = append(parts, o.key+":"+v)
			}
		}
	}
	return strings.Join(parts, " "), nil
}

// keyedValue makes v safe after "key:": without quote characters, and quoted when it has
// spaces.
func keyedValue(v string) string {
	v = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '"' || r == '“' || r == '”' {
			return ' '
		}
		return r
	}, v)), " ")
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return `"` + v + `"`
	}
	return v
}

// commandSet returns the application commands paperboy registers. Global commands are not
// offered in DMs; guild commands never are.
func commandSet(guild bool) []*discordgo.ApplicationCommand {
	var opts []*discordgo.ApplicationCommandOption
	for _, s := range subcommands {
		sub := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.name, Description: s.desc}
		for _, o := range s.opts {
			opt := &discordgo.ApplicationCommandOption{Type: o.typ, Name: o.name, Description: o.desc, Required: o.required, Autocomplete: o.autocomplete}
			for _, c := range o.choices {
				opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
			}
			if o.typ == discordgo.ApplicationCommandOptionInteger {
				min := o.min
				opt.MinValue = &min
				opt.MaxValue = o.max
			}
			sub.Options = append(sub.Options, opt)
		}
		opts = append(opts, sub)
	}
	cmd := &discordgo.ApplicationCommand{
		Type: discordgo.ChatApplicationCommand, Name: CommandName,
		Description: "Search, share and follow research papers", Options: opts,
	}
	if !guild {
		no := false
		cmd.DMPermission = &no
	}
	return []*discordgo.ApplicationCommand{cmd}
}

// Register makes Discord's application commands match commandSet: in guild guildID (they
// appear at once) or, with "", globally (they take up to an hour to reach every server).
// It reads what Discord has and bulk-overwrites only when that differs, so calling it at
// every start costs one GET. It needs Options.AppID.
func (a *Adapter) Register(ctx context.Context, guildID string) (changed bool, err error) {
	if a.opts.AppID == "" {
		return false, paperboy.Errorf(paperboy.EINVALID, "discord: registering commands needs discord.application_id (Developer Portal → General Information → Application ID)")
	}
	want := commandSet(guildID != "")
	have, err := a.session.ApplicationCommands(a.opts.AppID, guildID, discordgo.WithContext(ctx))
	if err != nil {
		return false, registerError("read the registered commands", guildID, err)
	}
	if sameCommands(have, want) {
		return false, nil
	}
	if _, err := a.session.ApplicationCommandBulkOverwrite(a.opts.AppID, guildID, want, discordgo.WithContext(ctx)); err != nil {
		return false, registerError("register the commands", guildID, err)
	}
	scope := "globally (they can take up to an hour to appear in every server)"
	if guildID != "" {
		scope = "in guild " + guildID
	}
	a.log.Info("discord commands registered", slog.String("scope", scope))
	return true, nil
}

func registerError(op, guildID string, err error) error {
	se := classifyREST(err)
	hint := ""
	var re *discordgo.RESTError
	switch {
	case se.Reason == bot.ReasonUnauthorized:
		hint = ": check discord.token"
	case errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == 403 || re.Response.StatusCode == 404):
		hint = ": check discord.application_id"
		if guildID != "" {
			hint += " and that the bot was invited to guild " + guildID + " with the applications.commands scope"
		}
	}
	// The SendError stays in the chain: run stops on a rejected token (bot.ReasonUnauthorized).
	return &bot.SendError{Permanent: se.Permanent, RetryAfter: se.RetryAfter, Reason: se.Reason,
		Err: fmt.Errorf("discord: %s (%s)%s: %w", op, se.Reason, hint, safeErr(se.Err))}
}

// canonCmd and canonOpt hold the fields of a command that registration sets, so that
// what Discord answers (with ids, versions and defaults) compares with what paperboy
// wants.
type canonCmd struct {
	Type         int        `json:"type"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	DMPermission *bool      `json:"dm_permission"`
	Options      []canonOpt `json:"options"`
}

type canonOpt struct {
	Type         int        `json:"type"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Required     bool       `json:"required"`
	Autocomplete bool       `json:"autocomplete"`
	Choices      []canonCh  `json:"choices"`
	MinValue     *float64   `json:"min_value"`
	MaxValue     float64    `json:"max_value"`
	MinLength    *int       `json:"min_length"`
	MaxLength    int        `json:"max_length"`
	Options      []canonOpt `json:"options"`
}

type canonCh struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

func canon(cmds []*discordgo.ApplicationCommand) []canonCmd {
	b, err := json.Marshal(cmds)
	if err != nil {
		return nil
	}
	var out []canonCmd
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	for i := range out {
		if out[i].Type == 0 {
			out[i].Type = int(discordgo.ChatApplicationCommand)
		}
		out[i].Options = normOpts(out[i].Options)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func normOpts(opts []canonOpt) []canonOpt {
	if len(opts) == 0 {
		return nil
	}
	for i := range opts {
		if len(opts[i].Choices) == 0 {
			opts[i].Choices = nil
		}
		for j := range opts[i].Choices {
			opts[i].Choices[j].Value = fmt.Sprint(opts[i].Choices[j].Value)
		}
		opts[i].Options = normOpts(opts[i].Options)
	}
	return opts
}

// sameCommands reports whether the registered commands have everything paperboy sets.
func sameCommands(have, want []*discordgo.ApplicationCommand) bool {
	h, w := canon(have), canon(want)
	if h == nil || w == nil || len(h) != len(w) {
		return false
	}
	for i := range w {
		if w[i].DMPermission == nil {
			h[i].DMPermission = nil // guild commands: Discord has no DM setting for them
		}
	}
	return reflect.DeepEqual(h, w)
}
