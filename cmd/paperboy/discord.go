package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord"
	"github.com/paperboy-bot/paperboy/config"
)

// commandRegistrar is the Discord adapter's command registration: it puts the /papers
// application command in guild guildID ("" = globally) and reports whether anything
// changed.
type commandRegistrar interface {
	Register(ctx context.Context, guildID string) (changed bool, err error)
}

var _ commandRegistrar = (*discord.Adapter)(nil)

// discordAdapter builds the Discord adapter from [discord]. Errors never contain the token.
func discordAdapter(cfg config.Config, log *slog.Logger) (*discord.Adapter, error) {
	d := cfg.Discord
	a, err := discord.New(discord.Options{
		Token: d.Token, AppID: d.ApplicationID, PublicKey: d.PublicKey, APIURL: d.APIURL,
		Listen: d.Listen, MessageContent: d.MessageContent, GuildID: d.Guild,
		Log: log.With(slog.String("component", "discord")), Now: time.Now,
	})
	if err != nil {
		return nil, shownError{"configuration: " + userError(err), err}
	}
	return a, nil
}

// newDiscord is the Discord platform of `paperboy run`.
func newDiscord(cfg config.Config, log *slog.Logger) (bot.Adapter, error) {
	a, err := discordAdapter(cfg, log)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// registerAtStart registers /papers when `run` starts on Discord (the adapter leaves an
// unchanged command set alone). A failure is logged and `run` goes on (`paperboy discord
// register` can do it later), unless Discord rejected the token: then nothing on Discord
// can work and the error stops the process.
func registerAtStart(ctx context.Context, a bot.Adapter, guild string, log *slog.Logger) error {
	r, ok := a.(commandRegistrar)
	if !ok {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	changed, err := r.Register(rctx, guild)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if tokenRejected(err) {
			return fmt.Errorf("registering the /papers command: %w", err)
		}
		log.Warn("registering the /papers command failed; paperboy goes on (run `paperboy discord register` to retry)",
			slog.String("platform", a.Platform()), slog.String("reason", bot.ClassifySend(err).Reason), slog.Any("error", err))
		return nil
	}
	log.Info("discord /papers command registered", slog.Bool("changed", changed), slog.String("scope", registerScope(guild)))
	return nil
}

// tokenRejected reports whether err is the platform refusing the bot's token
// (bot.ReasonUnauthorized).
func tokenRejected(err error) bool {
	var se *bot.SendError
	return errors.As(err, &se) && se.Permanent && se.Reason == bot.ReasonUnauthorized
}

func registerScope(guild string) string {
	if guild == "" {
		return "global"
	}
	return "guild " + guild
}

const discordUsage = `Usage: paperboy discord register [--guild ID] [--config FILE]

register puts the /papers command (its subcommands and options) on Discord: in one server
with --guild (or discord.guild), where it appears at once, else globally, where it can take
up to an hour to appear in every server. It changes nothing when the command is up to date.
It needs discord.token (and discord.application_id when Discord cannot tell it from the token).
`

// runDiscord is `paperboy discord register`.
func (m *Main) runDiscord(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "register" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(m.Stdout, discordUsage)
			return nil
		}
		fmt.Fprint(m.Stderr, discordUsage)
		return errUsage
	}
	var c common
	var guild string
	fs := m.newFlags("discord register", "", &c)
	fs.StringVar(&guild, "guild", "", "register in the server (guild) with this `id` only: it appears at once (default discord.guild; none = global)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(m.Stderr, "paperboy: discord register takes no arguments (got %q)\n", pos[0])
		fs.Usage()
		return errUsage
	}
	cfg, err := m.loadConfig(&c)
	if err != nil {
		return err
	}
	if guild != "" {
		cfg.Discord.Guild = guild
	}
	if cfg.Discord.Token == "" {
		return errors.New("discord.token is not set: put the bot token in [discord] token, or in PAPERBOY_DISCORD_TOKEN or DISCORD_TOKEN")
	}
	if err := cfg.ValidateParts(config.DiscordApp); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	a, err := discordAdapter(cfg, m.logger(cfg))
	if err != nil {
		return err
	}
	return registerCommands(ctx, m.Stdout, a, cfg.Discord.Guild)
}

// registerCommands registers /papers through r in guild ("" = globally) and says on w
// what changed and when the command shows up.
func registerCommands(ctx context.Context, w io.Writer, r commandRegistrar, guild string) error {
	changed, err := r.Register(ctx, guild)
	if err != nil {
		if tokenRejected(err) {
			return fmt.Errorf("Discord rejected discord.token (Developer Portal → your application → Bot → Reset Token): %w", err)
		}
		return fmt.Errorf("registering /papers: %w", err)
	}
	scope, when := "globally", "Global commands can take up to an hour to appear in every server; --guild ID shows it in one server at once."
	if guild != "" {
		scope, when = "in server "+guild, "Guild commands appear at once."
	}
	if changed {
		fmt.Fprintf(w, "Registered /papers %s. %s\n", scope, when)
	} else {
		fmt.Fprintf(w, "/papers is already up to date %s; nothing changed. %s\n", scope, when)
	}
	return nil
}
