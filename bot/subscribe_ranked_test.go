package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/recommend"
)

// TestSubscribeRanked: the subscribe grammar for for-you and trending, what is stored, and
// what the reply says (the top:N bound, the threshold, how to start without votes).
func TestSubscribeRanked(t *testing.T) {
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	tests := map[string]struct {
		text   string
		want   paperboy.Subscription // ForYou, Trending, Top, MinScore, Filter, Digest.Every
		reply  []string
		errMsg string
	}{
		"for-you digest": {text: "subscribe for-you top:5 digest:daily@09:00",
			want:  paperboy.Subscription{ForYou: true, Top: 5, Digest: paperboy.Digest{Every: paperboy.DigestDaily}},
			reply: []string{"the best 5 of each digest's papers", "no votes yet", "paperboy votes import"}},
		"for-you with a filter, default top": {text: "subscribe cat:cs.CL for-you digest:daily",
			want:  paperboy.Subscription{ForYou: true, Filter: "cat:cs.CL", Digest: paperboy.Digest{Every: paperboy.DigestDaily}},
			reply: []string{"the best 10 of each digest's papers", "among cs.CL papers"}},
		"immediate for-you, named level": {text: "subscribe for-you decoding min:high",
			want:  paperboy.Subscription{ForYou: true, MinScore: 2, Filter: "decoding"},
			reply: []string{"at least min:high", "posts nothing"}},
		"immediate for-you, default level": {text: "subscribe foryou",
			want: paperboy.Subscription{ForYou: true, MinScore: 1}, reply: []string{"min:medium"}},
		"immediate for-you, number": {text: "subscribe for-you min:0.3",
			want: paperboy.Subscription{ForYou: true, MinScore: 0.3}, reply: []string{"min:0.3"}},
		"trending": {text: "subscribe trending top:3 digest:daily@09:00",
			want:  paperboy.Subscription{Trending: true, Top: 3, Digest: paperboy.Digest{Every: paperboy.DigestDaily}},
			reply: []string{"most upvoted papers on Hugging Face", "the best 3"}},
		"trending for-you": {text: "subscribe trending for-you digest:daily",
			want:  paperboy.Subscription{Trending: true, ForYou: true, Digest: paperboy.Digest{Every: paperboy.DigestDaily}},
			reply: []string{"blended with this channel's taste"}},
		"quoted word stays a phrase": {text: `subscribe "trending topics" for-you digest:daily`,
			want: paperboy.Subscription{ForYou: true, Filter: `"trending topics"`, Digest: paperboy.Digest{Every: paperboy.DigestDaily}}},
		"top without ranking":       {text: "subscribe decoding top:5 digest:daily", errMsg: "top:N applies to a for-you or trending digest"},
		"top on immediate":          {text: "subscribe for-you top:5", errMsg: "top:N applies"},
		"top out of range":          {text: "subscribe for-you top:0 digest:daily", errMsg: "top:0 is not a number"},
		"min on a digest":           {text: "subscribe for-you min:high digest:daily", errMsg: "min: applies to a for-you subscription without digest:"},
		"min without for-you":       {text: "subscribe decoding min:high", errMsg: "min: applies"},
		"bad min":                   {text: "subscribe for-you min:lots", errMsg: "min:lots is not a threshold"},
		"min NaN":                   {text: "subscribe for-you min:NaN", errMsg: "is not a threshold"},
		"cap on a ranked digest":    {text: "subscribe for-you cap:5 digest:daily", errMsg: "top:N bounds it"},
		"trending without a digest": {text: "subscribe trending", errMsg: "trending needs a digest"},
		"no filter, not ranked":     {text: "subscribe digest:daily", errMsg: "for-you or trending"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			db := socialStore(t, now)
			b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now, Recommender: &recommend.Service{Store: db, Now: now}})
			ctx := context.Background()
			r := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: tc.text})
			subs, err := db.Subscriptions(ctx, "test:c")
			if err != nil {
				t.Fatal(err)
			}
			if tc.errMsg != "" {
				if len(subs) != 0 || !strings.Contains(r.Text, tc.errMsg) {
					t.Errorf("got %d subscriptions and reply %q, want none and %q", len(subs), r.Text, tc.errMsg)
				}
				return
			}
			if len(subs) != 1 {
				t.Fatalf("got %d subscriptions (reply %q), want 1", len(subs), r.Text)
			}
			s := subs[0]
			w := tc.want
			if s.ForYou != w.ForYou || s.Trending != w.Trending || s.Top != w.Top || s.MinScore != w.MinScore || s.Filter != w.Filter || s.Digest.Every != w.Digest.Every {
				t.Errorf("stored for-you %v trending %v top %d min %v filter %q digest %v; want %v %v %d %v %q %v",
					s.ForYou, s.Trending, s.Top, s.MinScore, s.Filter, s.Digest.Every, w.ForYou, w.Trending, w.Top, w.MinScore, w.Filter, w.Digest.Every)
			}
			for _, want := range tc.reply {
				if !strings.Contains(r.Text, want) {
					t.Errorf("reply %q lacks %q", r.Text, want)
				}
			}
		})
	}
}
