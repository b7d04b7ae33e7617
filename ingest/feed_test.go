package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestParseFeed(t *testing.T) {
	type want struct {
		id, title, abstract, absURL string
		authors                     []string
		published                   time.Time
	}
	tests := []struct {
		fixture     string
		feedTitle   string
		want        []want
		wantSkipped int
	}{
		{"journal_rss.xml", "Journal of Machine Learning Research: Latest Articles", []want{
			{"doi:10.5555/jmlr.2024.23-0456", "Optimal Transport for Domain Adaptation – Revisited",
				"We revisit optimal transport for unsupervised domain adaptation and prove a generalisation bound. Experiments on Office-31 confirm the theory & show gains.",
				"https://jmlr.example.org/papers/v25/23-0456.html", []string{"Jean Dupont", "Priya Raman"},
				time.Date(2024, 3, 5, 19, 30, 0, 0, time.UTC)},
			{"doi:10.5555/jmlr.2024.23-0789", "Kernel Methods Meet Large Language Models",
				"We show that the neural tangent kernel of a pretrained language model predicts fine-tuning outcomes.",
				"https://jmlr.example.org/papers/v25/23-0789.html", []string{"Kenji Watanabe"},
				time.Date(2024, 3, 4, 8, 0, 0, 0, time.UTC)},
			{"2402.11111", "Preprint: Calibrated Uncertainty for Graph Networks", "A preprint version of an accepted paper.",
				"https://arxiv.org/abs/2402.11111", []string{"Ana Silva", "Tom Berg"},
				time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
		}, 1},
		{"blog_atom.xml", "The Gradient Descent Blog", []want{
			{"title:" + paperboy.TitleHash("Why entropy collapse breaks transformer training"),
				"Why entropy collapse breaks transformer training", "A walk through attention entropy collapse, with plots.",
				"https://blog.example.com/2024/03/entropy-collapse/", []string{"Lena Fischer", "Omar Haddad"},
				time.Date(2024, 3, 6, 9, 15, 0, 0, time.UTC)},
			{"1706.03762", "Paper notes: Attention Is All You Need", "The Transformer replaced recurrence with attention. Still worth a read.",
				"https://arxiv.org/abs/1706.03762", []string{"Lena Fischer"},
				time.Date(2024, 2, 20, 8, 0, 0, 0, time.UTC)},
		}, 0},
		{"journal_rdf.xml", "Example Machine Intelligence", []want{
			{"doi:10.1038/s42256-024-00801-2", "Protein language models learn evolutionary statistics",
				"Example Machine Intelligence, Published online: 04 March 2024; doi:10.1038/s42256-024-00801-2 Protein language models capture coevolution.",
				"https://www.example-journal.org/articles/s42256-024-00801-2", []string{"Sara Ivanova", "Luis Moreno"},
				time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			page, err := ParseFeed(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if page.Title != tt.feedTitle {
				t.Errorf("feed title: got %q, want %q", page.Title, tt.feedTitle)
			}
			if len(page.Papers) != len(tt.want) || len(page.Skipped) != tt.wantSkipped {
				t.Fatalf("papers, skipped: got %d, %v, want %d, %d", len(page.Papers), page.Skipped, len(tt.want), tt.wantSkipped)
			}
			for i, w := range tt.want {
				p := page.Papers[i]
				got := want{p.ID, p.Title, p.Abstract, p.AbsURL, p.Authors, p.Published}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("item %d:\ngot  %+v\nwant %+v", i, got, w)
				}
				if p.Extra["feed"] != tt.feedTitle || !reflect.DeepEqual(p.Sources, []string{paperboy.SourceRSS}) {
					t.Errorf("item %d: extra %v, sources %v", i, p.Extra, p.Sources)
				}
			}
		})
	}
}

func TestParseFeedErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
		line             int
	}{
		{"mismatched tag", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<item><title>x</titel></item>\n</channel></rss>", "line 4", 4},
		{"truncated", "<rss version=\"2.0\"><channel><item><title>x", "unexpected EOF", 1},
		{"html", "<!DOCTYPE html>\n<html><head><title>Moved</title></head><body></body></html>", "not an RSS or Atom feed", 1},
		{"bad charset", "<?xml version=\"1.0\" encoding=\"ebcdic\"?><rss/>", "unsupported charset", 1},
		{"undefined entity", "<rss><channel><item><title>a &bogus; b</title></item></channel></rss>", "bogus", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFeed([]byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || pe.Line != tt.line {
				t.Errorf("got %q (line %d), want it to mention %q at line %d", err, pe.Line, tt.want, tt.line)
			}
		})
	}
}

func TestParseFeedLatin1(t *testing.T) {
	data := append([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>Caf"), 0xe9)
	data = append(data, []byte(" na&iuml;ve</title></item></channel></rss>")...)
	page, err := ParseFeed(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := page.Papers[0].Title; got != "Café naïve" {
		t.Errorf("title: got %q, want %q", got, "Café naïve")
	}
}

func TestFeedFetch(t *testing.T) {
	fixture := readFixture(t, "journal_rss.xml")
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken.xml" {
			w.Write([]byte("<rss><channel>\n<item><title>a</item>"))
			return
		}
		w.Write(fixture)
	}))
	defer ts.Close()
	f := &Feed{Client: newTestClient(newFakeClock(), ClientOptions{})}
	n := 0
	src := FeedSource(f, ts.URL+"/feed.xml")
	if err := src.Fetch(context.Background(), func(paperboy.Paper) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 3 || !strings.HasPrefix(src.Name(), "rss:127.0.0.1") {
		t.Errorf("got %d papers from %q, want 3 from rss:127.0.0.1:...", n, src.Name())
	}
	err := f.Fetch(context.Background(), ts.URL+"/broken.xml?key=secret", func(paperboy.Paper) error { return nil })
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Source != paperboy.SourceRSS || pe.Line != 2 {
		t.Fatalf("got %v, want a ParseError from rss at line 2", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "/broken.xml") || strings.Contains(msg, "secret") {
		t.Errorf("error %q: want the URL, redacted", msg)
	}
	for _, bad := range []string{"file:///etc/passwd", "not a url", ""} {
		if err := f.Fetch(context.Background(), bad, func(paperboy.Paper) error { return nil }); paperboy.ErrorCode(err) != paperboy.EINVALID {
			t.Errorf("Fetch(%q): got %v, want EINVALID", bad, err)
		}
	}
}

func TestStripHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain  text\n here", "plain text here"},
		{"<p>One.</p><p>Two.</p>", "One. Two."},
		{"H<sub>2</sub>O and E=mc<sup>2</sup>", "H2O and E=mc2"},
		{"a &amp; b &lt;tag&gt; &nbsp;c&#8217;s", "a & b <tag> c’s"},
		{"x <script>alert('<p>')</script> y <style>p{}</style>z", "x y z"},
		{"<!-- comment --><b>bold</b>", "bold"},
		{"a < b and c > d", "a < b and c > d"},
		{"unclosed <a href=", "unclosed"},
		{"<P CLASS=x>Upper</P>", "Upper"},
		{"<div><m:math><m:mi>x</m:mi></m:math></div>", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := StripHTML(tt.in); got != tt.want {
				t.Errorf("StripHTML(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 3, 5, 19, 30, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Tue, 05 Mar 2024 19:30:00 GMT", want, true},
		{"Tue, 05 Mar 2024 14:30:00 EST", want, true},
		{"Tue, 5 Mar 2024 14:30:00 -0500", want, true},
		{"Wed, 05 Mar 2024 19:30:00 +0000", want, true}, // wrong day name
		{"2024-03-05T19:30:00Z", want, true},
		{"2024-03-05T20:30:00+01:00", want, true},
		{"2024-03-05T19:30:00.000Z", want, true},
		{"05 Mar 2024 19:30:00 +0000", want, true}, // no day name
		{"2024-03-05", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), true},
		{"March 5, 2024", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), true},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseDate(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) || (ok && got.Location() != time.UTC) {
				t.Errorf("ParseDate(%q): got %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSplitAuthors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Ana Silva, Bo Chen and Chidi Okafor", []string{"Ana Silva", "Bo Chen", "Chidi Okafor"}},
		{"Ana Silva and Bo Chen", []string{"Ana Silva", "Bo Chen"}},
		{"A. One, B. Two, C. Three", []string{"A. One", "B. Two", "C. Three"}},
		{"G. H. Hardy, Jr., S. Ramanujan", []string{"G. H. Hardy, Jr.", "S. Ramanujan"}},
		{"Vaswani,\n  Gomez, and Kaiser", []string{"Vaswani", "Gomez", "Kaiser"}},
		{"Alexander Andersen", []string{"Alexander Andersen"}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SplitAuthors(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitAuthors(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"journal_rss.xml", "blog_atom.xml", "journal_rdf.xml", "arxiv_listing.rss.xml"} {
		f.Add(readFixture(f, name))
	}
	addRealSeeds(f, "feeds")
	f.Fuzz(func(t *testing.T, data []byte) {
		page, err := ParseFeed(data)
		if err != nil {
			return
		}
		if page.Damage != nil && (page.Entries == 0 || page.Damage.Line < 1) {
			t.Fatalf("damage %v kept with %d entries: want an error, or a position", page.Damage, page.Entries)
		}
		for _, p := range page.Papers {
			if p.ID == "" || p.Title == "" || len(p.Abstract) > MaxAbstract+8 {
				t.Fatalf("bad paper: %+v", p)
			}
		}
	})
}

func FuzzStripHTML(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "x <script>y</script>", "a &amp; b", "<!--", "<a", "H<sub>2</sub>O"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := StripHTML(s)
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("StripHTML(%q) = %q: white space not collapsed", s, out)
		}
	})
}

func BenchmarkParseFeed(b *testing.B) {
	for _, name := range []string{"journal_rss.xml", "blog_atom.xml"} {
		data := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ParseFeed(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
