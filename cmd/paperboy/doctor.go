package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord"
	"github.com/paperboy-bot/paperboy/bot/slack"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// minFreeDisk is the free space below which doctor fails the disk check: SQLite needs
// room for its WAL and for a transaction's journal, and a backup for a whole copy.
const minFreeDisk = 200 << 20

// runDoctor is `paperboy doctor`: every check `run` depends on, one line each, with the
// fix for each failure; it exits 1 when one fails. It writes nothing (the database is
// inspected read-only, never migrated), posts nothing and prints no secret.
func (m *Main) runDoctor(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("doctor", "", &c)
	timeout := fs.Duration("timeout", 10*time.Second, "how long each network check may take")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return errUsage
	}
	var failed, total int
	report := func(cs ...bot.Check) {
		for _, c := range cs {
			total++
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
				failed++
			}
			fmt.Fprintf(m.Stdout, "%s  %s: %s\n", mark, c.Name, c.Detail)
			if !c.OK && c.Fix != "" {
				fmt.Fprintf(m.Stdout, "      fix: %s\n", c.Fix)
			}
		}
	}
	done := func() error {
		if failed > 0 {
			return fmt.Errorf("doctor: %d of %d checks failed", failed, total)
		}
		fmt.Fprintf(m.Stdout, "all %d checks passed\n", total)
		return nil
	}

	cfg, err := m.loadConfig(&c, config.Chat, config.Fetching, config.Summaries)
	where := c.configPath
	if where == "" {
		where = m.Getenv("PAPERBOY_CONFIG")
	}
	if where == "" {
		where = "defaults and environment (no config file)"
	}
	if err != nil {
		report(bot.Check{Name: "config", Detail: strings.ReplaceAll(userError(err), "\n", " "),
			Fix: "correct the settings named above in " + where + " (or their PAPERBOY_* variables); the README's Configuration section lists them"})
		return done()
	}
	report(bot.Check{Name: "config", OK: true, Detail: where + "; platforms: " + strings.Join(cfg.Platforms(), ", ")})

	channels := m.doctorDatabase(ctx, cfg, report)

	check := func(f func(ctx context.Context) []bot.Check) {
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		report(f(cctx)...)
	}
	// Subscriptions of a chat platform `run` will not serve are never delivered.
	for _, p := range []string{"slack", "discord"} {
		if n := len(channels[p]); n > 0 && !slices.Contains(cfg.Platforms(), p) {
			report(bot.Check{Name: p + " subscriptions", Detail: fmt.Sprintf("%d channels subscribe on %s, which is not configured: nothing is posted there", n, p),
				Fix: fmt.Sprintf("set the %s token (README: %s), or remove those subscriptions", p, map[string]string{"slack": "Slack", "discord": "Discord"}[p])})
		}
	}
	for _, p := range cfg.Platforms() {
		switch p {
		case "slack":
			s := cfg.Slack
			check(func(ctx context.Context) []bot.Check {
				return slack.Doctor(ctx, slack.Options{BotToken: s.BotToken, AppToken: s.AppToken, SigningSecret: s.SigningSecret,
					Mode: s.Mode, Listen: s.Listen, APIURL: s.APIURL}, channels["slack"])
			})
		case "discord":
			d := cfg.Discord
			check(func(ctx context.Context) []bot.Check {
				return discord.Doctor(ctx, discord.Options{Token: d.Token, AppID: d.ApplicationID, PublicKey: d.PublicKey,
					APIURL: d.APIURL, MessageContent: d.MessageContent}, channels["discord"])
			})
		case "shell":
			report(bot.Check{Name: "chat", OK: true, Detail: "no Slack or Discord token: `run` chats in this terminal"})
		}
	}
	check(func(ctx context.Context) []bot.Check { return []bot.Check{doctorModel(ctx, cfg)} })
	check(func(ctx context.Context) []bot.Check { return doctorSources(ctx, cfg) })
	return done()
}

// doctorDatabase checks the database file, its schema and the free disk beside it, and
// returns the subscribed channels' ids by platform.
func (m *Main) doctorDatabase(ctx context.Context, cfg config.Config, report func(...bot.Check)) map[string][]string {
	dir := filepath.Dir(cfg.DB)
	disk := bot.Check{Name: "disk"}
	if free, ok := freeDisk(dir); !ok {
		disk.OK, disk.Detail = true, "free space unknown on this system"
	} else if free < minFreeDisk {
		disk.Detail = fmt.Sprintf("%s free in %s", humanBytes(int64(free)), dir)
		disk.Fix = fmt.Sprintf("free at least %s there (the database needs room for its log; a backup for a whole copy)", humanBytes(minFreeDisk))
	} else {
		disk.OK, disk.Detail = true, fmt.Sprintf("%s free in %s", humanBytes(int64(free)), dir)
	}

	db := bot.Check{Name: "database"}
	info, err := store.Inspect(ctx, cfg.DB)
	switch {
	case paperboy.ErrorCode(err) == paperboy.ENOTFOUND:
		if w := dirWritable(dir); w != nil {
			db.Detail = fmt.Sprintf("%s does not exist, and its directory cannot be written: %v", cfg.DB, w)
			db.Fix = "create the directory and let the bot's user write it, or set db (PAPERBOY_DB) to a writable path"
		} else {
			db.OK, db.Detail = true, cfg.DB+" does not exist yet; `run` (or `import`) creates it"
		}
	case err != nil:
		db.Detail = userError(err)
		db.Fix = "check the db path (PAPERBOY_DB) names a paperboy database; restore a backup if it is damaged (README: Backup and restore)"
	case info.Schema > info.Latest:
		db.Detail = fmt.Sprintf("%s has schema %03d, newer than this binary's %03d", cfg.DB, info.Schema, info.Latest)
		db.Fix = "run the paperboy version that wrote it (or newer); an older binary must not use it"
	default:
		db.OK = true
		db.Detail = fmt.Sprintf("%s: %d papers, %s, schema %03d", cfg.DB, info.Papers, humanBytes(info.Bytes), info.Schema)
		if info.Schema < info.Latest {
			db.Detail += fmt.Sprintf(" (the next start upgrades it to %03d; back it up first)", info.Latest)
		} else if w := dirWritable(dir); w != nil {
			db.OK, db.Detail = false, fmt.Sprintf("%s cannot be written beside: %v", cfg.DB, w)
			db.Fix = "SQLite writes its log (-wal, -shm) beside the database: let the bot's user write " + dir
		}
	}
	report(db, disk)
	if !db.OK || info.Schema != info.Latest || info.Bytes == 0 {
		return nil
	}
	st, err := store.OpenReadOnly(ctx, cfg.DB, nil)
	if err != nil {
		return nil
	}
	defer st.Close()
	subs, err := st.Subscriptions(ctx, "")
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, s := range subs {
		platform, id, ok := strings.Cut(s.Channel, ":")
		if ok && !seen[s.Channel] {
			seen[s.Channel] = true
			out[platform] = append(out[platform], id)
		}
	}
	return out
}

// dirWritable reports whether a file can be made in dir (and removes it).
func dirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".paperboy-doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// doctorModel checks the summary model with a tiny request; without one configured,
// summaries are extractive, which needs nothing.
func doctorModel(ctx context.Context, cfg config.Config) bot.Check {
	c := bot.Check{Name: "summaries"}
	sc := summarizeConfig(cfg)
	if !sc.Enabled() {
		c.OK, c.Detail = true, "no model configured: extractive summaries (set summarize.model for LLM summaries)"
		return c
	}
	where := redactURL(sc.BaseURL)
	if where == "" {
		where = "OpenAI"
	}
	o, err := summarize.NewOpenAI(sc, nil)
	if err == nil {
		err = o.Ping(ctx)
	}
	if err != nil {
		c.Detail = fmt.Sprintf("model %s at %s: %s", sc.Model, where, userError(err))
		c.Fix = "check summarize.base_url, summarize.model and the key (PAPERBOY_SUMMARIZE_API_KEY); until then posts get extractive summaries"
		return c
	}
	c.OK, c.Detail = true, fmt.Sprintf("model %s at %s answers", sc.Model, where)
	return c
}

// redactURL drops a URL's user information (a key some proxies take there).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// doctorSources checks that each configured source's server answers (any HTTP answer
// below 500: the fetch itself is `ingest`'s business).
func doctorSources(ctx context.Context, cfg config.Config) []bot.Check {
	offlineSources(&cfg)
	if len(cfg.Sources) == 0 {
		return []bot.Check{{Name: "sources", OK: true, Detail: "ingestion is off (no sources): papers arrive only by import or ingest"}}
	}
	client := &http.Client{}
	var out []bot.Check
	seen := map[string]bool{}
	for _, s := range cfg.Sources {
		u := map[string]string{"arxiv": cfg.Ingest.ArxivAPIURL, "arxiv-listing": cfg.Ingest.ArxivListingURL,
			"hf": cfg.Ingest.HFURL, "rss": s.URL}[s.Kind]
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		c := bot.Check{Name: "source " + s.Kind}
		shown := redactURL(u)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err == nil {
			req.Header.Set("User-Agent", "paperboy/"+version+" (doctor)")
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					err = fmt.Errorf("HTTP %d", resp.StatusCode)
				}
			}
		}
		if err != nil {
			c.Detail = shown + ": " + strings.ReplaceAll(err.Error(), u, shown)
			c.Fix = "check the network (and a proxy: HTTPS_PROXY) and the URL; `run` keeps retrying and shows the last error in `status`"
		} else {
			c.OK, c.Detail = true, shown+" answers"
			if cfg.SourcesDefault {
				c.Detail += " (the default source: no [[sources]] configured)"
			}
		}
		out = append(out, c)
	}
	return out
}
