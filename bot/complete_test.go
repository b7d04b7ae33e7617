package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/store"
)

func TestComplete(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db,
		Now: func() time.Time { return time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC) }})
	here := bot.Command{Platform: "discord", Channel: "C1", User: "U1"}
	for _, f := range []string{`subscribe cat:cs.LG "mixture of experts"`, `subscribe author:"Tri Dao" digest:daily@09:00`} {
		if r := b.HandleCommand(ctx, bot.Command{Platform: "discord", Channel: "C1", User: "U1", Text: f}); !strings.HasPrefix(r.Text, "Subscribed") {
			t.Fatalf("%s: %s", f, r.Text)
		}
	}
	if r := b.HandleCommand(ctx, bot.Command{Platform: "discord", Channel: "C2", User: "U1", Text: "subscribe diffusion"}); !strings.HasPrefix(r.Text, "Subscribed") {
		t.Fatal(r.Text)
	}
	render := func(cs []bot.Choice) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Value+"="+c.Name)
		}
		return strings.Join(s, "; ")
	}
	tests := map[string]struct {
		cmd, typed string
		want       string
	}{
		"all of this channel's": {"unsubscribe", "", `1=1: cat:cs.LG "mixture of experts" — posted as they arrive; 2=2: author:"Tri Dao" — daily digest at 09:00`},
		"by id":                 {"unsubscribe", "2", `2=2: author:"Tri Dao" — daily digest at 09:00`},
		"by filter text":        {"unsubscribe", "MIXTURE", `1=1: cat:cs.LG "mixture of experts" — posted as they arrive`},
		"other channel's id":    {"unsubscribe", "3", ``},
		"zone by city":          {"timezone", "berl", `Europe/Berlin=Europe/Berlin`},
		"zone typed in full":    {"timezone", "Europe/Amsterdam", `Europe/Amsterdam=Europe/Amsterdam`},
		"no completion":         {"search", "x", ``},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := render(b.Complete(ctx, here, tc.cmd, tc.typed))
			if tc.cmd == "timezone" && tc.typed == "Europe/Amsterdam" {
				got, _, _ = strings.Cut(got, "; ") // the typed zone first; zones containing it may follow
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if n := len(b.Complete(ctx, here, "timezone", "")); n != bot.MaxChoices {
		t.Errorf("empty zone completion: %d choices, want %d", n, bot.MaxChoices)
	}
	if n := len(b.Complete(ctx, here, "timezone", "america")); n != bot.MaxChoices {
		t.Errorf("america: %d choices, want %d (capped)", n, bot.MaxChoices)
	}
}
