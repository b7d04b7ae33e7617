package slack

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMrkdwn(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":            {"hello world", "hello world"},
		"escape":           {"a < b & c > d", "a &lt; b &amp; c &gt; d"},
		"bold":             {"**Top papers** today", "*Top papers* today"},
		"italic kept":      {"_new_ paper", "_new_ paper"},
		"link":             {"see [the paper](https://arxiv.org/abs/2401.01234)", "see <https://arxiv.org/abs/2401.01234|the paper>"},
		"link escapes":     {"[a <b> & c](https://x.org/?a=1&b=2)", "<https://x.org/?a=1&amp;b=2|a &lt;b&gt; &amp; c>"},
		"link pipe url":    {"[t](https://x.org/a|b)", "<https://x.org/a%7Cb|t>"},
		"bold link":        {"**[T](https://x.org)**", "*<https://x.org|T>*"},
		"not a link":       {"[not a link] (x)", "[not a link] (x)"},
		"non-http link":    {"[t](javascript:alert)", "t"},
		"code":             {"use `a<b && **c**`", "use `a&lt;b &amp;&amp; **c**`"},
		"bullets":          {"- one\n- two\n  - nested", "• one\n• two\n  • nested"},
		"unbalanced":       {"**bold and `code", "**bold and `code"},
		"invalid utf8":     {"a\xffb", "a\uFFFDb"},
		"user mention-ish": {"<!channel> hi", "&lt;!channel&gt; hi"},
		"code block":       {"**bib:**\n```\n- title = {**a** [b](https://x.org) & c}\n```\n**x**", "*bib:*\n```\n- title = {**a** [b](https://x.org) &amp; c}\n```\n*x*"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Mrkdwn(tc.in); got != tc.want {
				t.Errorf("Mrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := map[string]struct {
		in   string
		max  int
		want string
	}{
		"short":          {"abc", 5, "abc"},
		"exact":          {"abcde", 5, "abcde"},
		"cut":            {"abcdef", 5, "abcd…"},
		"runes":          {"ééééééé", 4, "ééé…"},
		"no half link":   {"ab <https://x.org|title>", 10, "ab…"},
		"no half entity": {"abc &amp; def", 7, "abc…"},
		"zero":           {"abc", 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := truncate(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > tc.max {
				t.Errorf("truncate(%q, %d) has %d runes, want <= %d", tc.in, tc.max, n, tc.max)
			}
		})
	}
}

func TestSplitSections(t *testing.T) {
	line := strings.Repeat("x", 99) + "\n"
	long := strings.Repeat(line, 100) // 10000 runes
	parts := splitSections(long, 3000)
	if got := strings.Join(parts, "\n"); got != long {
		t.Errorf("splitSections lost text: got %d bytes, want %d", len(got), len(long))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 3000 {
			t.Errorf("part %d has %d runes, want <= 3000", i, n)
		}
	}
	// One huge line with links: hard cuts, never inside a link, nothing lost.
	var b strings.Builder
	for b.Len() < 9000 {
		b.WriteString("word <https://example.org/x|link> ")
	}
	parts = splitSections(b.String(), 3000)
	if got := strings.Join(parts, ""); got != b.String() {
		t.Errorf("splitSections on one line lost text: got %d bytes, want %d", len(got), b.Len())
	}
	for i, p := range parts {
		if strings.Count(p, "<") != strings.Count(p, ">") {
			t.Errorf("part %d splits a link: %q", i, p[len(p)-40:])
		}
		if n := utf8.RuneCountInString(p); n > 3000 {
			t.Errorf("part %d has %d runes, want <= 3000", i, n)
		}
	}
}
