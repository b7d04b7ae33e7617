package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
	"github.com/paperboy-bot/paperboy/store"
)

// doctorWorld is a configuration whose every dependency is a loopback fake: Slack,
// Discord, an OpenAI-compatible model and an RSS source, with a database subscribing
// slack:C1, slack:C2 and discord:10.
type doctorWorld struct {
	slack   *slackfake.Server
	discord *discordfake.Server
	model   *httptest.Server
	feed    *httptest.Server
	conf    string
	env     map[string]string
}

const doctorKey = "sk-doctor-secret-key-42"

func newDoctorWorld(t *testing.T) *doctorWorld {
	t.Helper()
	w := &doctorWorld{slack: slackfake.New(t), discord: discordfake.New(t)}
	w.discord.AddChannel(discordfake.Channel{ID: "10", Name: "papers", Type: discordfake.TypeText})
	w.model = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+doctorKey {
			rw.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(rw, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"id":"c1","object":"chat.completion","created":1,"model":"tiny","choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
	}))
	t.Cleanup(w.model.Close)
	w.feed = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, "<rss/>") }))
	t.Cleanup(w.feed.Close)
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"slack:C1", "slack:C2", "discord:10", "slack:C1"} {
		q, _ := paperboy.ParseQuery("cat:cs.LG", time.Now())
		if err := st.CreateSubscription(context.Background(), &paperboy.Subscription{Channel: ch, Filter: q.String(), Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	w.conf = filepath.Join(dir, "paperboy.toml")
	toml := fmt.Sprintf(`db = %q
[slack]
api_url = %q
app_token = %q
[discord]
api_url = %q
application_id = %q
[summarize]
base_url = %q
model = "tiny"
[[sources]]
kind = "rss"
url = %q
every = "1h"
`, db, w.slack.URL, w.slack.AppToken, w.discord.APIURL(), discordfake.ApplicationID, w.model.URL+"/v1", w.feed.URL+"/feed.xml")
	if err := os.WriteFile(w.conf, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{"PAPERBOY_SLACK_BOT_TOKEN": w.slack.BotToken, "PAPERBOY_DISCORD_TOKEN": discordfake.Token,
		"PAPERBOY_SUMMARIZE_API_KEY": doctorKey}
	return w
}

func (w *doctorWorld) run(t *testing.T) (string, error) {
	t.Helper()
	var out, errb strings.Builder
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return w.env[k] }}
	err := m.Run(context.Background(), []string{"doctor", "--config", w.conf})
	for _, secret := range []string{w.slack.BotToken, w.slack.AppToken, discordfake.Token, doctorKey} {
		if strings.Contains(out.String()+errb.String(), secret) {
			t.Errorf("a secret is in the output:\n%s%s", out.String(), errb.String())
		}
	}
	return out.String(), err
}

// wantLines checks that each want is the start of a line, in order.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, "\n"+w)
		if i < 0 && strings.HasPrefix(rest, w) {
			i = -1
		} else if i < 0 {
			t.Errorf("no line starting %q (in order) in\n%s", w, out)
			return
		}
		rest = rest[i+1+len(w):]
	}
}

func TestDoctorAllGood(t *testing.T) {
	w := newDoctorWorld(t)
	out, err := w.run(t)
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	wantLines(t, out,
		"ok    config: ", "ok    database: ", "ok    disk: ",
		"ok    slack bot token: team Fake Team", "ok    slack scopes", "ok    slack socket mode", "ok    slack channel C1", "ok    slack channel C2",
		"ok    discord bot token", "ok    discord channel 10: #papers",
		"ok    summaries: model tiny at http://127.0.0.1", "ok    source rss: ", "all 12 checks passed")
}

func TestDoctorFailures(t *testing.T) {
	w := newDoctorWorld(t)
	w.slack.SetChannelError("C2", "not_in_channel")
	w.env["PAPERBOY_SUMMARIZE_API_KEY"] = "sk-wrong-key-0000000000"
	w.feed.Close()
	out, err := w.run(t)
	if err == nil || !strings.Contains(err.Error(), "3 of 12 checks failed") {
		t.Fatalf("doctor: got %v, want 3 of 12 checks failed\n%s", err, out)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d, want 1", exitCode(err))
	}
	wantLines(t, out,
		"ok    slack channel C1", "FAIL  slack channel C2: the bot is not a member", "      fix: invite the bot: /invite @paperboy",
		"FAIL  summaries: model tiny at http://127.0.0.1", "      fix: check summarize.base_url",
		"FAIL  source rss: ", "      fix: check the network")
	if !strings.Contains(out, "HTTP 401") {
		t.Errorf("the model's refusal is not shown:\n%s", out)
	}
}

func TestDoctorBadConfig(t *testing.T) {
	w := newDoctorWorld(t)
	w.env["PAPERBOY_SLACK_BOT_TOKEN"] = "not-a-token"
	out, err := w.run(t)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("doctor: got %v, want exit 1\n%s", err, out)
	}
	wantLines(t, out, "FAIL  config: configuration: slack.bot_token", "      fix: correct the settings")
}

func TestDoctorNoDatabaseYet(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runMain(t, "", "doctor", "--db", filepath.Join(dir, "new.db"))
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	wantLines(t, out, "ok    config: ", "ok    database: "+filepath.Join(dir, "new.db")+" does not exist yet", "ok    disk: ", "ok    chat: ", "ok    summaries: no model", "ok    sources: ")
	if _, err := os.Stat(filepath.Join(dir, "new.db")); err == nil {
		t.Error("doctor created the database")
	}
	out, _, err = runMain(t, "", "doctor", "--db", filepath.Join(dir, "missing", "new.db"))
	if err == nil {
		t.Errorf("doctor with a database in a missing directory: got nil\n%s", out)
	}
}

func TestDoctorUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"extra"}} {
		_, errOut, err := runMain(t, "", append([]string{"doctor"}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(errOut, "Usage: paperboy doctor") {
			t.Errorf("doctor %v: got %v, %q; want usage", args, err, errOut)
		}
	}
}

// TestDoctorOrphanSubscriptions: subscriptions on a platform that is not configured
// fail, since `run` never delivers them.
func TestDoctorOrphanSubscriptions(t *testing.T) {
	w := newDoctorWorld(t)
	delete(w.env, "PAPERBOY_DISCORD_TOKEN")
	out, err := w.run(t)
	if err == nil || !strings.Contains(err.Error(), "1 of 11 checks failed") {
		t.Fatalf("doctor: got %v, want 1 of 11 checks failed\n%s", err, out)
	}
	wantLines(t, out, "FAIL  discord subscriptions: 1 channels subscribe on discord, which is not configured", "      fix: set the discord token")
}
