package paperboy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseArxivID(t *testing.T) {
	tests := map[string]struct {
		in      string
		id      string
		version int
		ok      bool
	}{
		"bare":            {"2401.01234", "2401.01234", 0, true},
		"version":         {"2401.01234v3", "2401.01234", 3, true},
		"four digit":      {"0704.0001", "0704.0001", 0, true},
		"prefix":          {"arXiv:2401.01234v2", "2401.01234", 2, true},
		"abs url":         {"https://arxiv.org/abs/2401.01234v2", "2401.01234", 2, true},
		"pdf url":         {"https://arxiv.org/pdf/2401.01234.pdf", "2401.01234", 0, true},
		"no scheme":       {"arxiv.org/abs/2401.01234", "2401.01234", 0, true},
		"hf url":          {"https://huggingface.co/papers/2401.01234", "2401.01234", 0, true},
		"old style":       {"hep-th/9901001v1", "hep-th/9901001", 1, true},
		"old style url":   {"https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136", 0, true},
		"spaces":          {"  2401.01234 ", "2401.01234", 0, true},
		"empty":           {"", "", 0, false},
		"words":           {"attention is all you need", "", 0, false},
		"doi":             {"10.1145/3292500", "", 0, false},
		"huge version":    {"2401.01234v99999", "", 0, false},
		"other host path": {"https://example.org/blog/post", "", 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id, v, ok := ParseArxivID(tc.in)
			if id != tc.id || v != tc.version || ok != tc.ok {
				t.Fatalf("ParseArxivID(%q) = %q, %d, %v; want %q, %d, %v", tc.in, id, v, ok, tc.id, tc.version, tc.ok)
			}
		})
	}
}

func TestNormalizeIdentity(t *testing.T) {
	tests := map[string]struct {
		p      Paper
		wantID string
	}{
		"arxiv wins":   {Paper{Title: "T", ArxivID: "arXiv:2401.01234v2", DOI: "10.1/x"}, "2401.01234"},
		"doi next":     {Paper{Title: "T", DOI: "https://doi.org/10.1145/ABC"}, "doi:10.1145/abc"},
		"title last":   {Paper{Title: "Attention Is All You Need."}, "title:" + TitleHash("attention is  all you need")},
		"bad doi lost": {Paper{Title: "X", DOI: "not-a-doi"}, "title:" + TitleHash("X")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := tc.p
			if err := p.Normalize(); err != nil {
				t.Fatal(err)
			}
			if p.ID != tc.wantID {
				t.Fatalf("got id %q, want %q", p.ID, tc.wantID)
			}
		})
	}
	p := Paper{ArxivID: "2401.01234v2", Title: "  Spaced\n\ttitle ", Authors: []string{"A", " ", "A", "B"}}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if p.Title != "Spaced title" || p.Version != 2 || len(p.Authors) != 2 {
		t.Fatalf("got title %q version %d authors %q; want cleaned", p.Title, p.Version, p.Authors)
	}
	for name, bad := range map[string]Paper{"no title": {Title: "  "}, "bad arxiv": {Title: "x", ArxivID: "nope"}} {
		if err := bad.Normalize(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: got %v, want an %s error", name, err, EINVALID)
		}
	}
}

func TestErrorMessageHidesInternals(t *testing.T) {
	internal := errorString("store: open /secret/path: disk I/O")
	if got := ErrorMessage(internal); got == internal.Error() || ErrorCode(internal) != EINTERNAL {
		t.Fatalf("internal error leaked to users: %q (code %q)", got, ErrorCode(internal))
	}
	if got := ErrorMessage(Errorf(ENOTFOUND, "No paper %s.", "x")); got != "No paper x." {
		t.Fatalf("got %q, want the *Error message", got)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func FuzzParseArxivID(f *testing.F) {
	for _, s := range []string{"2401.01234v2", "https://arxiv.org/abs/hep-th/9901001", "arxiv.org/pdf/2401.1.pdf", "%zz://", "arXiv:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, v, ok := ParseArxivID(s)
		if !ok {
			return
		}
		// A parsed id parses again to itself.
		id2, _, ok2 := ParseArxivID(id)
		if !ok2 || id2 != id || v < 0 {
			t.Fatalf("ParseArxivID(%q) = %q, %d; reparse gave %q, %v", s, id, v, id2, ok2)
		}
	})
}

// FuzzCollapseSpace checks the fast path against the plain definition.
func FuzzCollapseSpace(f *testing.F) {
	for _, s := range []string{"", " ", "a b", " a", "a ", "a  b", "a\tb", "a\u00a0b", "ünï cödé", "a b\n",
		"abcdefg  hijklmno", "abcdefgh  ijklmnop", "abcdefg hijklmnop", "abcdefghijklmno pq  r",
		"long clean text of several words, with punctuation! and 42 numbers", "a !b", "abcdefghijklmnop\x01q",
		"abcdefghijklmnop\vq", "abcdefghijklmnopq\u00e9", "abc \x7f defghij", "abcdefgh\x7fijklmnop", "a\x1b]0;T\a b", "ü\u009b\u202e x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The plain definition: split on white space, drop control characters, join.
		var words []string
		for _, w := range strings.Fields(s) {
			if w = strings.Map(func(r rune) rune {
				if IsControl(r) {
					return -1
				}
				return r
			}, w); w != "" {
				words = append(words, w)
			}
		}
		if got, want := CollapseSpace(s), strings.Join(words, " "); got != want {
			t.Errorf("CollapseSpace(%q) = %q, want %q", s, got, want)
		}
		// isCollapsed is exact but for a space before '!' (a false "no").
		want := !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f }) &&
			!strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ")
		if got := isCollapsed(s); got != want && (got || !strings.Contains(s, " !")) {
			t.Errorf("isCollapsed(%q) = %v, want %v", s, got, want)
		}
	})
}

// isCollapsedBytewise is the byte-at-a-time check isCollapsed replaced: the baseline of
// BenchmarkIsCollapsed.
func isCollapsedBytewise(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
			c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			return false
		}
	}
	return true
}

// BenchmarkIsCollapsed checks a clean abstract (an import's common case) 8 bytes at a time
// and, as the baseline in the same run, a byte at a time.
func BenchmarkIsCollapsed(b *testing.B) {
	s := strings.ReplaceAll(benchAbstract, "\n", " ")
	for _, c := range []struct {
		name string
		f    func(string) bool
	}{{"swar", isCollapsed}, {"baseline_bytewise", isCollapsedBytewise}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if !c.f(s) {
					b.Fatal("not clean")
				}
			}
		})
	}
}
