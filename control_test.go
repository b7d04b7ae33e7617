package paperboy

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// hostile is the title of issue 17: it retitles the window, clears the screen and hides
// the text after it.
const hostile = "Scaling Laws\x1b]0;OWNED\x07\x1b[2J\x1b[8m for Everyone"

func TestStripControl(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"clean":       {"Attention Is All You Need", "Attention Is All You Need"},
		"hostile":     {hostile, "Scaling Laws]0;OWNED[2J[8m for Everyone"},
		"newline tab": {"a\nb\tc\r\n", "a\nb\tc\n"},
		"del":         {"a\x7fb", "ab"},
		"c1 csi":      {"a\u009b2Jb\u0085c", "a2Jbc"},
		"bidi":        {"\u202efdp.exe\u202c and \u2066x\u2069", "fdp.exe and x"},
		"marks stay":  {"\u200fשלום\u200e é", "\u200fשלום\u200e é"},
		"invalid":     {"a\x9bb\xff", "a\ufffdb\ufffd"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := StripControl(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestNormalizeStripsControl(t *testing.T) {
	p := Paper{Title: hostile, Abstract: "We\x1b[8m hide\u009b this.\nNext.", Authors: []string{"Eve\x1b[2J Evil"},
		Comment: "12 pages\a", JournalRef: "J\u202eX", DOI: "10.1/x\x1b", AbsURL: "https://example.org/\x1b[2Ja",
		Extra: map[string]string{"ai_summary": "line one\nline\x1b[8m two", "org\x07": "x"}}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	for _, s := range append([]string{p.Title, p.Abstract, p.Comment, p.JournalRef, p.DOI, p.AbsURL, p.ID},
		append(p.Authors, p.Extra["ai_summary"], p.Extra["org"])...) {
		if strings.ContainsFunc(s, IsControl) {
			t.Errorf("%q has a control character", s)
		}
	}
	if want := "Scaling Laws]0;OWNED[2J[8m for Everyone"; p.Title != want {
		t.Errorf("title: got %q, want %q", p.Title, want)
	}
	if got, want := p.Extra["ai_summary"], "line one\nline[8m two"; got != want {
		t.Errorf("ai_summary: got %q, want %q (newlines stay)", got, want)
	}
}

func TestTerminalWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewTerminalWriter(&out)
	// A C1 CSI (0xC2 0x9B) and a bidi override (3 bytes) split over writes, then text
	// with é split the same way, which must come out whole.
	in := []string{"a\xc2", "\x9b2J \xe2\x80", "\xaeb\n", hostile + "\n", "caf\xc3", "\xa9\r\x7f\n", "bad\xff\n"}
	for _, s := range in {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	want := "a\ufffd2J \ufffdb\nScaling Laws\ufffd]0;OWNED\ufffd\ufffd[2J\ufffd[8m for Everyone\ncafé\ufffd\ufffd\nbad\ufffd\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if NewTerminalWriter(w) != w {
		t.Error("a TerminalWriter is wrapped again")
	}
}

func TestJSONControlWriter(t *testing.T) {
	p := map[string]string{"title": "a\x1b[2J\u009b\u202eb\x7f é"}
	var out bytes.Buffer
	if err := json.NewEncoder(NewJSONControlWriter(&out)).Encode(p); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsFunc(strings.TrimSuffix(out.String(), "\n"), IsControl) {
		t.Errorf("%q has a raw control character", out.String())
	}
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["title"] != p["title"] {
		t.Errorf("got %q (%v), want the same text back: %q", back["title"], err, p["title"])
	}
}
