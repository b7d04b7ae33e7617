package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestParseListing(t *testing.T) {
	announced := time.Date(2024, 3, 5, 5, 0, 0, 0, time.UTC)
	type want struct {
		id, kind   string
		version    int
		quiet      bool
		published  time.Time
		updated    time.Time
		authors    []string
		categories []string
		doi        string
		journalRef string
	}
	newPaper := want{id: "2403.01234", kind: "new", version: 1, published: announced,
		authors: []string{"Ana Silva", "Bo Chen", "Chidi Okafor"}, categories: []string{"cs.CL", "cs.AI"}}
	replaced := want{id: "2310.04567", kind: "replace", version: 3, quiet: true, updated: announced,
		authors: []string{"Eve Park", "Frank Li"}, categories: []string{"cs.CL"},
		doi: "10.18653/v1/2023.findings-emnlp.1", journalRef: "Findings of EMNLP 2023, pp. 1-12"}
	tests := []struct {
		fixture string
		want    []want
	}{
		{"arxiv_listing.atom.xml", []want{
			newPaper,
			{id: "2403.00987", kind: "cross", version: 1, published: announced,
				authors: []string{"Dana Levi"}, categories: []string{"eess.AS", "cs.CL"}},
			replaced,
			{id: "math/0406104", kind: "replace-cross", version: 2, quiet: true, updated: announced,
				authors: []string{"G. H. Hardy, Jr.", "Srinivasa Ramanujan"}, categories: []string{"math.HO", "cs.CL"}},
		}},
		{"arxiv_listing.rss.xml", []want{newPaper, replaced}},
		{"arxiv_listing_empty.rss.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			page, err := ParseListing(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Papers) != len(tt.want) || len(page.Skipped) != 0 {
				t.Fatalf("papers: got %d (skipped %v), want %d", len(page.Papers), page.Skipped, len(tt.want))
			}
			for i, w := range tt.want {
				p := page.Papers[i]
				got := want{id: p.ID, kind: p.Extra[ExtraAnnounceType], version: p.Version, quiet: p.Quiet,
					published: p.Published, updated: p.Updated, authors: p.Authors, categories: p.Categories,
					doi: p.DOI, journalRef: p.JournalRef}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("paper %d:\ngot  %+v\nwant %+v", i, got, w)
				}
				if p.AbsURL != "https://arxiv.org/abs/"+w.id || !reflect.DeepEqual(p.Sources, []string{paperboy.SourceArxivListing}) {
					t.Errorf("paper %d: abs %q, sources %v", i, p.AbsURL, p.Sources)
				}
			}
			if len(tt.want) > 0 {
				const abstract = "We find that a handful of attention heads retrieve facts from long contexts and show that pruning them breaks needle-in-a-haystack recall."
				if got := page.Papers[0].Abstract; got != abstract {
					t.Errorf("abstract without the 'arXiv:... Announce Type' prefix: got %q", got)
				}
			}
		})
	}
}

func TestParseListingFallbacks(t *testing.T) {
	// Older feeds: no announce_type element, type only in the description; id only in
	// the link; title with the "(arXiv:...)" suffix.
	data := []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>cs.LG</title>
<item><title>Old Style Title. (arXiv:2401.00001v2 [cs.LG] UPDATED)</title><link>http://arxiv.org/abs/2401.00001</link>
<description>arXiv:2401.00001v2 Announce Type: replace
Abstract: Text.</description><dc:creator>A. One</dc:creator></item>
<item><title>No id at all</title><link>https://example.org/x</link></item>
</channel></rss>`)
	page, err := ParseListing(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Papers) != 1 || len(page.Skipped) != 1 {
		t.Fatalf("papers, skipped: got %d, %v, want 1, 1", len(page.Papers), page.Skipped)
	}
	p := page.Papers[0]
	if p.ID != "2401.00001" || p.Title != "Old Style Title." || !p.Quiet || p.Extra[ExtraAnnounceType] != "replace" || p.Abstract != "Text." {
		t.Errorf("got %+v", p)
	}
}

func TestListingFetch(t *testing.T) {
	atom := readFixture(t, "arxiv_listing.atom.xml")
	var path, ua string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ua = r.URL.Path, r.UserAgent()
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(atom)
	}))
	defer ts.Close()
	l := &Listing{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: ts.URL + "/"}
	var kinds []string
	err := l.Fetch(context.Background(), "cs.CL", func(p paperboy.Paper) error {
		kinds = append(kinds, p.Extra[ExtraAnnounceType])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if path != "/atom/cs.CL" || ua != DefaultUserAgent {
		t.Errorf("path, UA: got %q, %q", path, ua)
	}
	if want := []string{"new", "cross", "replace", "replace-cross"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("announce types: got %v, want %v", kinds, want)
	}
	if err := l.Fetch(context.Background(), "../../etc", func(paperboy.Paper) error { return nil }); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("bad category: got %v, want EINVALID", err)
	}
}

func FuzzParseListing(f *testing.F) {
	for _, name := range []string{"arxiv_listing.atom.xml", "arxiv_listing.rss.xml", "arxiv_listing_empty.rss.xml"} {
		f.Add(readFixture(f, name))
	}
	addRealSeeds(f, "feeds")
	f.Fuzz(func(t *testing.T, data []byte) {
		page, err := ParseListing(data)
		if err != nil {
			return
		}
		for _, p := range page.Papers {
			if p.ArxivID == "" || p.Title == "" {
				t.Fatalf("paper without arXiv id or title: %+v", p)
			}
			kind := p.Extra[ExtraAnnounceType]
			if (kind == AnnounceReplace || kind == AnnounceReplaceCross) != p.Quiet {
				t.Fatalf("announce type %q with Quiet=%v", kind, p.Quiet)
			}
		}
	})
}

func BenchmarkParseListing(b *testing.B) {
	data := readFixture(b, "arxiv_listing.atom.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseListing(data); err != nil {
			b.Fatal(err)
		}
	}
}
