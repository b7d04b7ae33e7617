package discord

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

func TestCommandText(t *testing.T) {
	tests := map[string]struct {
		sub  string
		opts []ixOption
		want string
	}{
		"search all options": {"search", []ixOption{opt("sort", `"votes"`), opt("query", `"speculative  decoding -survey"`),
			opt("author", `"Tri Dao"`), opt("category", `"cs.LG"`), opt("since", `"7d"`)},
			`search speculative decoding -survey author:"Tri Dao" cat:cs.LG since:7d sort:votes`},
		"quotes cannot escape a key": {"search", []ixOption{opt("author", `"x\" since:1900 \"y"`)}, `search author:"x since:1900 y"`},
		"curly quotes too":           {"search", []ixOption{opt("category", `"cs.LG” cat:math"`)}, `search cat:"cs.LG cat:math"`},
		"quote-only value dropped":   {"search", []ixOption{opt("query", `"moe"`), opt("author", `"\"\""`)}, `search moe`},
		"subscribe with cap":         {"subscribe", []ixOption{opt("filter", `"cat:cs.LG \"mixture of experts\""`), opt("cap", `0`)}, `subscribe cat:cs.LG "mixture of experts" cap:0`},
		"subscribe for-you digest":   {"subscribe", []ixOption{opt("top", `5`), opt("rank", `"trending for-you"`), opt("filter", `"cat:cs.CL"`), opt("digest", `"daily@09:00"`)}, `subscribe cat:cs.CL trending for-you digest:daily@09:00 top:5`},
		"unsubscribe id":             {"unsubscribe", []ixOption{opt("id", `12`)}, `unsubscribe 12`},
		"timezone empty":             {"timezone", nil, `timezone`},
		"top period":                 {"top", []ixOption{opt("period", `"month"`)}, `top month`},
		"show paper":                 {"show", []ixOption{opt("paper", `"https://arxiv.org/abs/2401.01234"`)}, `show https://arxiv.org/abs/2401.01234`},
		"unknown option ignored":     {"status", []ixOption{opt("verbose", `true`)}, `status`},
		"newlines collapse":          {"search", []ixOption{opt("query", `"a\nb"`)}, `search a b`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := commandText(ixData{Name: "papers", Options: []ixOption{{Name: tc.sub, Type: 1, Options: tc.opts}}})
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v, want %q", got, err, tc.want)
			}
		})
	}
	for name, d := range map[string]ixData{
		"other command":          {Name: "payload", Options: []ixOption{{Name: "x", Type: 1}}},
		"unknown subcommand":     {Name: "papers", Options: []ixOption{{Name: "nuke", Type: 1}}},
		"subcommand group":       {Name: "papers", Options: []ixOption{{Name: "group", Type: 2}}},
		"no subcommand":          {Name: "papers"},
		"option, not subcommand": {Name: "papers", Options: []ixOption{opt("query", `"x"`)}},
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := commandText(d); paperboy.ErrorCode(err) != paperboy.EINVALID {
				t.Errorf("got %q, %v, want an EINVALID error", got, err)
			}
		})
	}
}

func opt(name, raw string) ixOption {
	typ := 3
	if !strings.HasPrefix(raw, `"`) {
		typ = 4
	}
	return ixOption{Name: name, Type: typ, Value: json.RawMessage(raw)}
}

// TestRealInteractions feeds real INTERACTION_CREATE payloads (other bots' commands, a
// modal) to the parsing: they are understood and refused cleanly, and the member's
// permissions read as Discord sends them.
func TestRealInteractions(t *testing.T) {
	for _, name := range []string{"discord4j-InteractionCreate.json", "discord4j-InteractionCreate.SubCommandGroup.json", "discordbm-INTERACTION_CREATE-modal-submit.json"} {
		t.Run(name, func(t *testing.T) {
			_, _, d := realEvent(t, name)
			var in interaction
			if err := json.Unmarshal(d, &in); err != nil {
				t.Fatal(err)
			}
			if in.ID == "" || in.Token == "" || in.GuildID == "" || in.user().ID == "" {
				t.Errorf("parsed %+v: want id, token, guild and user", in)
			}
			if !in.isAdmin() {
				t.Errorf("permissions %s: want admin (Administrator bit set)", in.Member.Permissions)
			}
			if in.Type == ixCommand {
				if _, err := commandText(in.Data); err == nil {
					t.Error("another bot's command was taken for /papers")
				}
			}
		})
	}
}

// TestCommandsValid checks /papers against Discord's rules for application commands.
func TestCommandsValid(t *testing.T) {
	name := regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)
	var check func(path string, o *discordgo.ApplicationCommandOption)
	check = func(path string, o *discordgo.ApplicationCommandOption) {
		if !name.MatchString(o.Name) {
			t.Errorf("%s: name %q is not a valid option name", path, o.Name)
		}
		if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
			t.Errorf("%s: description of %d characters, want 1-100", path, n)
		}
		if len(o.Options) > 25 || len(o.Choices) > 25 {
			t.Errorf("%s: more than 25 options or choices", path)
		}
		if o.Autocomplete && len(o.Choices) > 0 {
			t.Errorf("%s: autocomplete and choices exclude each other", path)
		}
		required := true
		for _, c := range o.Options {
			if c.Required && !required {
				t.Errorf("%s: required option %s after an optional one", path, c.Name)
			}
			required = c.Required
			check(path+" "+c.Name, c)
		}
	}
	for _, guild := range []bool{false, true} {
		cmds := commandSet(guild)
		if len(cmds) != 1 || cmds[0].Name != CommandName {
			t.Fatalf("commands = %v, want one /papers", cmds)
		}
		check("/papers", &discordgo.ApplicationCommandOption{Name: cmds[0].Name, Description: cmds[0].Description, Options: cmds[0].Options})
		if (cmds[0].DMPermission != nil) == guild {
			t.Errorf("guild %v: dm_permission %v, want false globally and unset in a guild", guild, cmds[0].DMPermission)
		}
	}
}

// TestSubcommandsCoverGrammar keeps /papers in step with the core's grammar: one
// subcommand per command, and help's choices naming them.
func TestSubcommandsCoverGrammar(t *testing.T) {
	names := bot.New(bot.Config{}).CommandNames()
	var subs []string
	for _, s := range subcommands {
		subs = append(subs, s.name)
	}
	if !slices.Equal(subs, names) {
		t.Errorf("subcommands %v, want the grammar's %v", subs, names)
	}
	// subscribe: a typed option for every key and every rank word of the core's grammar.
	for _, s := range subcommands {
		if s.name != "subscribe" {
			continue
		}
		keys, words := map[string]bool{}, map[string]bool{}
		for _, o := range s.opts {
			keys[o.key] = true
			for _, c := range o.choices {
				for _, w := range strings.Fields(c) {
					words[w] = true
				}
			}
		}
		for _, k := range bot.SubscribeKeys {
			if !keys[k] {
				t.Errorf("/papers subscribe has no option for %s:", k)
			}
		}
		for _, w := range bot.RankWords {
			if !words[w] {
				t.Errorf("/papers subscribe offers no %s", w)
			}
		}
	}
	for _, s := range subcommands {
		if s.name == "help" {
			want := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "help" })
			if !slices.Equal(s.opts[0].choices, want) {
				t.Errorf("help choices %v, want %v", s.opts[0].choices, want)
			}
		}
	}
}

// TestRegister checks registration writes only when Discord's commands differ.
func TestRegister(t *testing.T) {
	fake := discordfake.New(t)
	a := newAdapter(t, fake)
	ctx := context.Background()
	for _, guild := range []string{"", discordfake.GuildID} {
		changed, err := a.Register(ctx, guild)
		if err != nil || !changed {
			t.Fatalf("guild %q first register: changed %v, %v; want true, nil", guild, changed, err)
		}
		changed, err = a.Register(ctx, guild)
		if err != nil || changed {
			t.Errorf("guild %q second register: changed %v, %v; want false, nil", guild, changed, err)
		}
	}
	if n := fake.CommandWrites(); n != 2 {
		t.Errorf("bulk overwrites = %d, want 2 (one per scope)", n)
	}
	var stored []map[string]any
	for _, raw := range fake.Commands(discordfake.GuildID) {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		stored = append(stored, m)
	}
	if len(stored) != 1 || stored[0]["name"] != "papers" || len(stored[0]["options"].([]any)) != len(subcommands) {
		t.Errorf("stored guild commands = %v, want /papers with %d subcommands", stored, len(subcommands))
	}

	bad := newAdapter(t, fake, func(o *Options) { o.AppID = "42" })
	if _, err := bad.Register(ctx, ""); err == nil || !strings.Contains(err.Error(), "discord.application_id") {
		t.Errorf("wrong application id: %v, want an error naming discord.application_id", err)
	}
	noApp := newAdapter(t, fake, func(o *Options) { o.AppID = "" })
	if _, err := noApp.Register(ctx, ""); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("no application id: %v, want EINVALID", err)
	}
}
