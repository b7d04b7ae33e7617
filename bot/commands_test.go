package bot

import (
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestSplitCommand(t *testing.T) {
	tests := []struct{ name, text, verb, args string }{
		{"plain", "search mixture of experts", "search", "mixture of experts"},
		{"upper case verb", "SEARCH Foo", "search", "Foo"},
		{"slash command pasted", "/papers search foo", "search", "foo"},
		{"papers prefix", "papers top week", "top", "week"},
		{"slash verb", "/help", "help", ""},
		{"extra spaces", "  show \t 2401.01234  ", "show", "2401.01234"},
		{"empty", "", "", ""},
		{"only prefix", "/papers", "", ""},
		{"invalid utf8", "sea\xffrch x", "sea", "rch x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verb, args := splitCommand(tt.text)
			if verb != tt.verb || args != tt.args {
				t.Errorf("got %q %q, want %q %q", verb, args, tt.verb, tt.args)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	b := New(Config{})
	tests := []struct{ word, want string }{
		{"serch", "search"},
		{"sumary", "summary"},
		{"subscirbe", "subscribe"},
		{"unsubscribe", "unsubscribe"},
		{"subscri", "subscribe"},
		{"stat", "status"},
		{"tpo", "top"},
		{"xyzzy", ""},
		{"", ""},
		{"q", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := closest(tt.word, b.names); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	tests := []struct {
		in   string
		want paperboy.Digest
		ok   bool
	}{
		{"", paperboy.Digest{}, true},
		{"none", paperboy.Digest{}, true},
		{"daily", paperboy.Digest{Every: "daily", Hour: 9}, true},
		{"daily@09:00", paperboy.Digest{Every: "daily", Hour: 9}, true},
		{"daily@17:30", paperboy.Digest{Every: "daily", Hour: 17, Minute: 30}, true},
		{"Daily@5pm", paperboy.Digest{Every: "daily", Hour: 17}, true},
		{"daily@12am", paperboy.Digest{Every: "daily", Hour: 0}, true},
		{"weekly", paperboy.Digest{Every: "weekly", Weekday: time.Monday, Hour: 9}, true},
		{"weekly@fri", paperboy.Digest{Every: "weekly", Weekday: time.Friday, Hour: 9}, true},
		{"weekly@mon@08:15", paperboy.Digest{Every: "weekly", Weekday: time.Monday, Hour: 8, Minute: 15}, true},
		{"weekly@08:15@sunday", paperboy.Digest{Every: "weekly", Weekday: time.Sunday, Hour: 8, Minute: 15}, true},
		{"hourly", paperboy.Digest{}, false},
		{"daily@25:00", paperboy.Digest{}, false},
		{"daily@9:5", paperboy.Digest{}, false},
		{"daily@mon", paperboy.Digest{}, false},
		{"weekly@mon@tue", paperboy.Digest{}, false},
		{"weekly@mon@9@10", paperboy.Digest{}, false},
		{"none@09:00", paperboy.Digest{}, false},
		{"daily@13pm", paperboy.Digest{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDigest(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("error: got %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if paperboy.ErrorCode(err) != paperboy.EINVALID {
					t.Errorf("code: got %q, want %q", paperboy.ErrorCode(err), paperboy.EINVALID)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReactionAndReplyVotes(t *testing.T) {
	reactions := []struct {
		name string
		want int
	}{
		{"+1", 1}, {"thumbsup", 1}, {":thumbsup:", 1}, {"+1::skin-tone-3", 1}, {"👍", 1}, {"👍🏽", 1},
		{"arrow_up", 1}, {"heavy_plus_sign", 1}, {"-1", -1}, {"thumbsdown", -1}, {"👎", -1},
		{"arrow_down", -1}, {"tada", 0}, {"", 0}, {"heart", 0},
	}
	for _, tt := range reactions {
		t.Run("reaction "+tt.name, func(t *testing.T) {
			if got := ReactionValue(tt.name); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
	replies := []struct {
		text string
		want int
	}{
		{"+1", 1}, {" +1 ", 1}, {"+1!", 1}, {"👍", 1}, {"👍🏻", 1}, {"-1", -1}, {"👎", -1},
		{"+1 great paper", 0}, {"this is -1 for me", 0}, {"+10", 0}, {"", 0}, {"thumbsup", 0},
	}
	for _, tt := range replies {
		t.Run("reply "+tt.text, func(t *testing.T) {
			if got := ReplyVote(tt.text); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"plain link", PlainText("see [Title](https://x.org/a)"), "see Title <https://x.org/a>"},
		{"plain bold link", PlainText("**[T](u)** and `code`"), "T <u> and code"},
		{"plain broken link", PlainText("a [b] (c) [d](e f)"), "a [b] (c) [d](e f)"},
		{"plain bracket end", PlainText("x ["), "x ["},
		{"link escapes brackets", Link("A [sic] title", "https://x.org/(1)"), "[A (sic) title](https://x.org/%281%29)"},
		{"link without url", Link("T", ""), "T"},
		{"authors 3", Authors([]string{"A", "B", "C"}), "A, B, C"},
		{"authors 4", Authors([]string{"A", "B", "C", "D"}), "A, B, C et al."},
		{"authors none", Authors(nil), "unknown authors"},
		{"truncate", Truncate("one two three four", 10), "one two…"},
		{"truncate short", Truncate("short", 10), "short"},
		{"truncate runes", Truncate("ééééé", 3), "éé…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestWeekendNote(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"friday", time.Date(2025, 3, 7, 18, 0, 0, 0, time.UTC), false},
		{"saturday", time.Date(2025, 3, 8, 18, 0, 0, 0, time.UTC), true},
		{"sunday noon eastern", time.Date(2025, 3, 9, 16, 0, 0, 0, time.UTC), true},
		{"sunday 21:00 eastern", time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := weekendNote(tt.at) != ""; got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
