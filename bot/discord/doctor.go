package discord

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// Doctor checks o against Discord before going live: the bot token (GET /users/@me) and
// that the bot can see each channel (GET /channels/{id}; ids, not keys). It binds
// nothing (o.Listen is ignored), opens no Gateway session and posts nothing; no check
// line holds the token.
func Doctor(ctx context.Context, o Options, channels []string) []bot.Check {
	tok := bot.Check{Name: "discord bot token"}
	o.Listen = ""
	a, err := New(o)
	if err != nil {
		tok.Detail = paperboy.ErrorMessage(err)
		tok.Fix = "set discord.token (or PAPERBOY_DISCORD_TOKEN): Developer Portal → your application → Bot → Reset Token"
		return []bot.Check{tok}
	}
	me, err := a.session.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		tok.Detail, tok.Fix = doctorError(err), doctorFix(err, "the token is wrong or was reset: Developer Portal → Bot → Reset Token, then set discord.token")
		return []bot.Check{tok}
	}
	tok.OK, tok.Detail = true, "logged in as "+me.Username
	if o.AppID == "" {
		tok.OK, tok.Detail = false, "logged in as "+me.Username+", but discord.application_id is not set"
		tok.Fix = "set discord.application_id (Developer Portal → General Information → Application ID): /papers needs it"
	}
	out := []bot.Check{tok}
	for _, id := range channels {
		c := bot.Check{Name: "discord channel " + id}
		ch, err := a.session.Channel(id, discordgo.WithContext(ctx))
		if err != nil {
			c.Detail = doctorError(err)
			c.Fix = doctorFix(err, "invite the bot to the server (README: Invite the bot) and give it View Channel, Send Messages, "+
				"Embed Links, Create Public Threads and Send Messages in Threads there; or remove the channel's subscriptions (/papers unsubscribe)")
		} else {
			c.OK, c.Detail = true, "#"+ch.Name+": the bot can see it"
		}
		out = append(out, c)
	}
	return out
}

// doctorError says what Discord answered, without the request (which has no token, but
// says nothing a user needs either).
func doctorError(err error) string {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		msg := ""
		if re.Message != nil {
			msg = ": " + re.Message.Message
		}
		return fmt.Sprintf("Discord answered HTTP %d%s", re.Response.StatusCode, msg)
	}
	return "Discord cannot be reached: " + err.Error()
}

func doctorFix(err error, fix string) string {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		if re.Response.StatusCode == 401 {
			return "the token is wrong or was reset: Developer Portal → Bot → Reset Token, then set discord.token"
		}
		return fix
	}
	return "check the network (and a proxy: HTTPS_PROXY) and discord.api_url; Discord's status: https://discordstatus.com"
}
