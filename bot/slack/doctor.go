package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
)

// NeededScopes are the bot token scopes paperboy uses (slack/manifest.yaml says why
// each is there).
var NeededScopes = []string{"chat:write", "commands", "reactions:read", "channels:history", "groups:history", "users:read"}

// Doctor checks o against Slack before going live: the bot token (auth.test), its scopes
// (auth.test's X-OAuth-Scopes header against NeededScopes), the app-level token in
// Socket Mode (apps.connections.open; the URL it answers is not dialled), and the bot's
// membership of each channel (ids, not keys) through conversations.info, or through
// conversations.history when the token lacks channels:read (the manifest does not ask
// for it). It binds nothing and posts nothing; no check line holds a token.
func Doctor(ctx context.Context, o Options, channels []string) []bot.Check {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.Mode == "" {
		o.Mode = ModeSocket
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	d := doctor{api: o.APIURL, client: client}
	var out []bot.Check
	tok := bot.Check{Name: "slack bot token"}
	var scopes []string
	if !strings.HasPrefix(o.BotToken, "xoxb-") {
		tok.Detail = "missing or not a bot token (it must start with xoxb-)"
		tok.Fix = "set slack.bot_token (or PAPERBOY_SLACK_BOT_TOKEN) to the Bot User OAuth Token: OAuth & Permissions in the app's settings"
		return append(out, tok)
	}
	var auth struct {
		Team string `json:"team"`
		User string `json:"user"`
	}
	hdr, err := d.call(ctx, "auth.test", o.BotToken, nil, &auth)
	if err != nil {
		tok.Detail, tok.Fix = err.Error(), fixFor(err, "the Bot User OAuth Token (xoxb-) from OAuth & Permissions; reinstall the app if it was revoked")
		return append(out, tok)
	}
	tok.OK, tok.Detail = true, fmt.Sprintf("team %s as @%s", auth.Team, auth.User)
	out = append(out, tok)

	sc := bot.Check{Name: "slack scopes"}
	for _, s := range strings.Split(hdr.Get("X-OAuth-Scopes"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	var missing []string
	for _, s := range NeededScopes {
		if !slices.Contains(scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		sc.OK, sc.Detail = true, strings.Join(NeededScopes, ", ")
	} else {
		sc.Detail = "missing " + strings.Join(missing, ", ")
		sc.Fix = "add them under OAuth & Permissions → Bot Token Scopes (or update the app from slack/manifest.yaml), then reinstall the app to the workspace"
	}
	out = append(out, sc)

	switch o.Mode {
	case ModeSocket:
		c := bot.Check{Name: "slack socket mode"}
		if !strings.HasPrefix(o.AppToken, "xapp-") {
			c.Detail = "no app-level token (it must start with xapp-)"
			c.Fix = "Basic Information → App-Level Tokens: generate one with connections:write; set slack.app_token (or PAPERBOY_SLACK_APP_TOKEN)"
		} else if _, err := d.call(ctx, "apps.connections.open", o.AppToken, nil, nil); err != nil {
			c.Detail, c.Fix = err.Error(), fixFor(err, "an app-level token (xapp-) with the connections:write scope, and Socket Mode turned on under Settings → Socket Mode")
		} else {
			c.OK, c.Detail = true, "the app-level token opens a connection"
		}
		out = append(out, c)
	case ModeHTTP:
		c := bot.Check{Name: "slack http mode", OK: o.SigningSecret != "" && o.Listen != "",
			Detail: "requests are verified with the signing secret on " + o.Listen}
		if !c.OK {
			c.Detail = "HTTP mode needs slack.signing_secret and slack.listen"
			c.Fix = "copy the Signing Secret from Basic Information → App Credentials; set slack.listen (e.g. :3000) behind your HTTPS proxy"
		}
		out = append(out, c)
	}

	canInfo := slices.Contains(scopes, "channels:read")
	for _, ch := range channels {
		out = append(out, d.channel(ctx, o.BotToken, ch, canInfo))
	}
	return out
}

// channel checks the bot's membership of one channel.
func (d doctor) channel(ctx context.Context, token, ch string, canInfo bool) bot.Check {
	c := bot.Check{Name: "slack channel " + ch}
	invite := "invite the bot: /invite @paperboy in that channel"
	gone := "the channel does not exist or the bot cannot see it (a private channel it was never invited to): invite it, or remove the channel's subscriptions (/papers unsubscribe)"
	if canInfo {
		var info struct {
			Channel struct {
				Name     string `json:"name"`
				IsMember bool   `json:"is_member"`
			} `json:"channel"`
		}
		_, err := d.call(ctx, "conversations.info", token, url.Values{"channel": {ch}}, &info)
		switch {
		case err == nil && info.Channel.IsMember:
			c.OK, c.Detail = true, "#"+info.Channel.Name+": the bot is a member"
			return c
		case err == nil:
			c.Detail, c.Fix = "#"+info.Channel.Name+": the bot is not a member, so it cannot post there or count votes", invite
			return c
		case !isCode(err, "missing_scope"):
			c.Detail, c.Fix = err.Error(), fixFor(err, gone)
			return c
		}
	}
	// Without channels:read: reading one message needs membership for a bot token.
	_, err := d.call(ctx, "conversations.history", token, url.Values{"channel": {ch}, "limit": {"1"}}, nil)
	switch {
	case err == nil:
		c.OK, c.Detail = true, "the bot is a member"
	case isCode(err, "not_in_channel"):
		c.Detail, c.Fix = "the bot is not a member, so it cannot post there or count votes", invite
	default:
		c.Detail, c.Fix = err.Error(), fixFor(err, gone)
	}
	return c
}

// doctor makes raw Web API calls: the checks need a response header (X-OAuth-Scopes)
// and error codes as they are, which slack-go does not expose.
type doctor struct {
	api    string
	client *http.Client
}

// apiError is a Web API answer with ok false.
type apiError struct{ code, needed string }

func (e apiError) Error() string {
	if e.needed != "" {
		return "Slack answered " + e.code + " (needs " + e.needed + ")"
	}
	return "Slack answered " + e.code
}

func isCode(err error, code string) bool {
	e, ok := err.(apiError)
	return ok && e.code == code
}

// fixFor is the fix for a failed call: the network's, or fix for Slack's refusal.
func fixFor(err error, fix string) string {
	if _, ok := err.(apiError); ok {
		return fix
	}
	return "check the network (and a proxy: HTTPS_PROXY) and slack.api_url; Slack's status: https://slack-status.com"
}

func (d doctor) call(ctx context.Context, method, token string, form url.Values, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.api+method, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%s: bad request", method)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := d.client.Do(req)
	if err != nil {
		// url.Error carries the URL (no token: it travels in a header).
		return nil, fmt.Errorf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", method, err)
	}
	var res struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		Needed string `json:"needed"`
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, apiError{code: "ratelimited"}
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, not a Slack API answer", method, resp.StatusCode)
	}
	if !res.OK {
		return nil, apiError{code: res.Error, needed: res.Needed}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, fmt.Errorf("%s: %v", method, err)
		}
	}
	return resp.Header, nil
}
