// Package discord connects paperboy's bot to Discord: the /papers application command,
// paper posts as embeds with a thread (or a forum post per paper), and votes by reaction,
// button and thread reply, over the Gateway and optionally an HTTP interactions endpoint.
// It is the only package that imports discordgo, and it only translates between Discord
// and package bot.
//
// The adapter is built in two halves that share this file: outbound (posts, thread
// replies, edits, lookups by key, rate limits: post.go, render.go) and inbound (the
// Gateway session, interactions, command registration, the HTTP endpoint: gateway.go,
// interactions.go, commands.go, http.go).
package discord

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// DefaultAPIURL is Discord's REST base URL for the API version discordgo speaks.
var DefaultAPIURL = strings.TrimSuffix(discordgo.EndpointAPI, "/")

// Options configures an Adapter.
type Options struct {
	Token     string // bot token (Bot tab of the application), without the "Bot " prefix
	AppID     string // application id: command registration and interaction follow-ups
	PublicKey string // hex Ed25519 public key: verifies the HTTP interactions endpoint
	// APIURL is the REST base URL (default DefaultAPIURL, ".../api/v9"): a REST proxy,
	// or a loopback fake in tests. Every REST call and the Gateway lookup go there.
	APIURL string
	// Listen, when set, serves the HTTP interactions endpoint there ("127.0.0.1:0" in
	// tests); the Gateway still carries reactions and messages.
	Listen string
	// MessageContent asks for the privileged Message Content intent, which `+1` / `-1`
	// replies in threads need; everything else works without it.
	MessageContent bool
	// GuildID, when set, registers the commands in that guild (they appear at once)
	// instead of globally (which takes up to an hour to reach every server).
	GuildID    string
	Log        *slog.Logger
	Now        func() time.Time
	HTTPClient *http.Client // REST client; default with a 20 s timeout
}

// Adapter is the Discord implementation of bot.Adapter and its optional capabilities.
type Adapter struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	session *discordgo.Session
	out     outbound // post.go
	in      inbound  // gateway.go
}

var (
	_ bot.Adapter   = (*Adapter)(nil)
	_ bot.Connector = (*Adapter)(nil)
)

// Connected implements bot.Connector: nil while the Gateway session is up (discordgo's
// DataReady: set by its heartbeats, cleared when the websocket closes), else why not.
func (a *Adapter) Connected(context.Context) error {
	s := a.session
	if s == nil {
		return errors.New("discord: gateway not connected yet")
	}
	s.RLock()
	up := s.DataReady
	s.RUnlock()
	if !up {
		return errors.New("discord: gateway not connected")
	}
	return nil
}

// New checks the options and returns an Adapter. Errors never contain the token.
func New(o Options) (*Adapter, error) {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	o.APIURL = strings.TrimSuffix(o.APIURL, "/")
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if strings.TrimSpace(o.Token) == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "discord: no bot token (Developer Portal → your application → Bot → Reset Token)")
	}
	o.Token = strings.TrimPrefix(strings.TrimSpace(o.Token), "Bot ")
	base, err := url.Parse(o.APIURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "discord: api url %q must be an http(s) URL such as %s", o.APIURL, DefaultAPIURL)
	}
	s, err := discordgo.New("Bot " + o.Token)
	if err != nil {
		return nil, paperboy.Errorf(paperboy.EINVALID, "discord: %v", err)
	}
	// discordgo computes its endpoints at init from https://discord.com/api/v9; every
	// request is sent to APIURL instead by rewriting it on the way out.
	client := *o.HTTPClient
	client.Transport = rewriteTransport{base: base, next: transportOf(o.HTTPClient)}
	s.Client = &client
	a := &Adapter{opts: o, log: o.Log, now: o.Now, session: s}
	if err := a.initInbound(); err != nil { // gateway.go
		return nil, err
	}
	return a, nil
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return "discord" }

// rewriteTransport sends requests for discordgo's API base to another base URL.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

var apiPrefix = strings.TrimSuffix(discordgo.EndpointAPI, "/")

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if u := r.URL.String(); strings.HasPrefix(u, apiPrefix) {
		nu, err := url.Parse(t.base.String() + strings.TrimPrefix(u, apiPrefix))
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.URL = nu
		r.Host = nu.Host
	}
	return t.next.RoundTrip(r)
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}
