package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

// startHTTP runs an adapter with the interactions endpoint and a fresh key pair.
func startHTTP(t *testing.T) (*running, *discordfake.Server, ed25519.PrivateKey, *bottest.Clock, *recorder) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	fake := discordfake.New(t)
	addChannels(fake)
	clk := bottest.NewClock(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	rec := newRecorder()
	r := start(t, fake, rec, func(o *Options) {
		o.Listen, o.PublicKey, o.Now = "127.0.0.1:0", hex.EncodeToString(pub), clk.Now
	})
	return r, fake, priv, clk, rec
}

// post sends body to the endpoint signed by key at ts (mutate may spoil the headers).
func post(t *testing.T, r *running, key ed25519.PrivateKey, ts time.Time, body []byte, mutate func(http.Header)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+r.a.Addr()+PathInteractions, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
	if mutate != nil {
		mutate(req.Header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

func TestHTTPInteractions(t *testing.T) {
	r, fake, key, clk, rec := startHTTP(t)
	ping := []byte(`{"id":"1","application_id":"` + discordfake.ApplicationID + `","type":1,"token":"t","version":1}`)
	_, otherKey, _ := ed25519.GenerateKey(nil)

	tests := []struct {
		name   string
		key    ed25519.PrivateKey
		at     time.Duration // signature time relative to the clock
		body   []byte
		mutate func(http.Header)
		status int
		want   string
	}{
		{"ping", key, 0, ping, nil, 200, `{"type":1}`},
		{"replayed ping", key, 0, ping, nil, 401, ""},
		{"another key", otherKey, 0, ping, nil, 401, ""},
		{"no signature", key, time.Second, ping, func(h http.Header) { h.Del("X-Signature-Ed25519") }, 401, ""},
		{"no timestamp", key, 2 * time.Second, ping, func(h http.Header) { h.Del("X-Signature-Timestamp") }, 401, ""},
		{"body changed", key, 3 * time.Second, ping, func(h http.Header) {
			h.Set("X-Signature-Timestamp", strconv.FormatInt(clk.Now().Add(4*time.Second).Unix(), 10))
		}, 401, ""},
		{"stale", key, -6 * time.Minute, ping, nil, 401, ""},
		{"from the future", key, 6 * time.Minute, ping, nil, 401, ""},
		{"late but in the window", key, -4 * time.Minute, ping, nil, 200, `{"type":1}`}, // signed anew: not a replay
		{"too large", key, 5 * time.Second, append(ping[:len(ping)-1:len(ping)-1], []byte(`,"pad":"`+strings.Repeat("x", 1<<20)+`"}`)...), nil, 413, ""},
		{"not json", key, 6 * time.Second, []byte(`hello`), nil, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, r, tc.key, clk.Now().Add(tc.at), tc.body, tc.mutate)
			if status != tc.status || (tc.want != "" && body != tc.want) {
				t.Errorf("got %d %.80s, want %d %s", status, body, tc.status, tc.want)
			}
		})
	}

	// A command answers in the HTTP response; the core sees it as over the Gateway.
	cmd := fake.NewInteraction(2, textChannel, alice, sub("top", str("period", "week")), nil)
	body, _ := json.Marshal(cmd)
	status, answer := post(t, r, key, clk.Now(), body, nil)
	var resp struct {
		Type int     `json:"type"`
		Data message `json:"data"`
	}
	if err := json.Unmarshal([]byte(answer), &resp); err != nil || status != 200 {
		t.Fatalf("command: %d %s", status, answer)
	}
	if resp.Type != 4 || resp.Data.Flags != 64 || resp.Data.Content != "you said **top week**" {
		t.Errorf("command answer = %+v, want an ephemeral type 4 with the core's reply", resp)
	}
	cmds, _ := rec.Commands()
	if len(cmds) != 1 || cmds[0].Text != "top week" || cmds[0].Channel != textChannel.ID {
		t.Errorf("commands = %+v, want top week in the text channel", cmds)
	}
	// The same interaction signed anew is not run twice.
	if status, _ := post(t, r, key, clk.Now().Add(time.Second), body, nil); status != http.StatusConflict {
		t.Errorf("same interaction again: %d, want 409", status)
	}
	if cmds, _ := rec.Commands(); len(cmds) != 1 {
		t.Errorf("commands = %d after a repeat, want 1", len(cmds))
	}
	if cbs, _ := fake.Callbacks(); len(cbs) != 0 {
		t.Errorf("REST callbacks = %d, want 0 (the HTTP answer is the response)", len(cbs))
	}
}

func TestHTTPNeedsPublicKey(t *testing.T) {
	fake := discordfake.New(t)
	for name, o := range map[string]Options{
		"no key":  {Token: discordfake.Token, APIURL: fake.APIURL(), Listen: "127.0.0.1:0"},
		"bad key": {Token: discordfake.Token, APIURL: fake.APIURL(), Listen: "127.0.0.1:0", PublicKey: "abc"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(o); err == nil || !strings.Contains(err.Error(), "ublic") {
				t.Errorf("New = %v, want an error about the public key", err)
			}
		})
	}
}
