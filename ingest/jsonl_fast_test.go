package ingest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/internal/synth"
)

// kaggleLine builds a Kaggle line from the base below with some keys' raw JSON values
// replaced (or, with the value "-", removed). Keys keep the snapshot's order.
func kaggleLine(repl map[string]string) string {
	base := [][2]string{
		{"id", `"0704.0001"`},
		{"submitter", `"Pavel Nadolsky"`},
		{"authors", `"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan"`},
		{"title", `"Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies"`},
		{"comments", `"37 pages, 15 figures; published version"`},
		{"journal-ref", `"Phys.Rev.D76:013009,2007"`},
		{"doi", `"10.1103/PhysRevD.76.013009"`},
		{"report-no", `"ANL-HEP-PR-07-12"`},
		{"categories", `"hep-ph math.CO"`},
		{"license", `null`},
		{"abstract", `"  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.\n"`},
		{"versions", `[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}]`},
		{"update_date", `"2008-11-13"`},
		{"authors_parsed", `[["Balázs","C.",""],["Berger","E. L.",""],["Nadolsky","P. M.",""],["Yuan","C. -P.",""]]`},
	}
	var b strings.Builder
	b.WriteByte('{')
	for _, kv := range base {
		v, ok := repl[kv[0]]
		if !ok {
			v = kv[1]
		}
		if v == "-" {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + kv[0] + `":` + v)
	}
	b.WriteByte('}')
	return b.String()
}

// checkSameAsSlow fails unless ParseJSONLine and, when it accepts, the fast path give
// exactly what the encoding/json path gives. It returns whether the fast path accepted.
func checkSameAsSlow(t *testing.T, line []byte) bool {
	t.Helper()
	in := bytes.Clone(line)
	want, wantFormat, wantErr := parseJSONLineSlow(line)
	fp, accepted, ferr := parseKaggleFast(line)
	if !bytes.Equal(line, in) {
		t.Fatalf("the fast path changed its input: got %q, want %q", line, in)
	}
	if accepted {
		if wantFormat != FormatKaggle {
			t.Errorf("fast path accepted a %q line: got format %q, want %q", wantFormat, FormatKaggle, wantFormat)
		}
		samePaper(t, "fast path", fp, ferr, want, wantErr)
	}
	p, format, err := ParseJSONLine(line)
	if format != wantFormat {
		t.Errorf("ParseJSONLine format: got %q, want %q", format, wantFormat)
	}
	samePaper(t, "ParseJSONLine", p, err, want, wantErr)
	return accepted
}

func samePaper(t *testing.T, what string, got paperboy.Paper, gotErr error, want paperboy.Paper, wantErr error) {
	t.Helper()
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("%s error: got %v, want %v", what, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s paper:\ngot  %#v\nwant %#v", what, got, want)
	}
}

func TestParseJSONLineFast(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    bool // the fast path accepts the line
		wantErr bool // ParseJSONLine rejects the line (either path)
	}{
		{"plain", kaggleLine(nil), true, false},
		{"all escapes", kaggleLine(map[string]string{
			"title":    `"A \"quoted\" back\\slash \/ \b\f\n\r\t \u00e9\u20AC\u2028 \u0041 end"`,
			"abstract": `"x\u0000y \u00E9 \uFFFD"`,
			"comments": `"\\\\"`,
		}), true, false},
		{"escapes kept verbatim", kaggleLine(map[string]string{ // the submitter is not white space collapsed
			"submitter": `"Q \"q\" \\ \/ \b\f\n\r\t\u00e9\u20ac\u2028\u0041\u0000\uffff end"`,
		}), true, false},
		{"escape at the very end", kaggleLine(map[string]string{"title": `"Title\n"`}), true, false},
		{"escaped authors string", kaggleLine(map[string]string{"authors_parsed": "-", "authors": `"J. M\\\"uller and \u00c9. Z\u00e9"`}), true, false},
		{"escaped categories", kaggleLine(map[string]string{"categories": `"cs.LG\ncs.AI\u0020stat.ML"`}), true, false},
		{"nulls", kaggleLine(map[string]string{
			"authors": "null", "comments": "null", "journal-ref": "null",
			"doi": "null", "report-no": "null", "categories": "null", "license": "null",
			"abstract": "null", "versions": "null", "update_date": "null", "authors_parsed": "null",
		}), true, false},
		{"only nulls is not Kaggle", kaggleLine(map[string]string{
			"submitter": "null", "authors": "null", "comments": "null", "journal-ref": "null",
			"categories": "null", "versions": "null", "update_date": "null", "authors_parsed": "null",
		}), false, false},
		{"null id", kaggleLine(map[string]string{"id": "null"}), true, true},
		{"no id", kaggleLine(map[string]string{"id": "-"}), true, true},
		{"bad id", kaggleLine(map[string]string{"id": `"not an id"`}), true, true},
		{"null title", kaggleLine(map[string]string{"title": "null"}), true, true},
		{"blank title", kaggleLine(map[string]string{"title": `"  \n "`}), true, true},
		{"empty arrays", kaggleLine(map[string]string{"versions": "[]", "authors_parsed": "[ ]"}), true, false},
		{"only empty versions", `{"id":"2401.01234","title":"T","versions":[]}`, true, false},
		{"only null versions is not Kaggle", `{"id":"2401.01234","title":"T","versions":null}`, false, false},
		{"versions", kaggleLine(map[string]string{"versions": `[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},` +
			`{"created":"Tue, 24 Jul 2007 20:10:27 GMT","version":"v2"},{"version":"v3","created":"not a date"},` +
			`{"version":"v12","created":"2009-01-02"},null,{},{"version":null,"created":null},{"version":" v7 "}]`}), true, false},
		{"versions without dates", kaggleLine(map[string]string{"versions": `[{"version":"v1"},{"version":"v2"}]`, "update_date": `"2010-05-06"`}), true, false},
		{"authors_parsed absent", kaggleLine(map[string]string{"authors_parsed": "-"}), true, false},
		{"authors_parsed odd entries", kaggleLine(map[string]string{"authors_parsed": `[null,[],["Solo"],["Last","First","Jr.","extra"],[null,"X",null],["  ","  "]]`}), true, false},
		{"unicode text", kaggleLine(map[string]string{
			"title":          `"Über die Quantenmechanik: 量子力学 and 🚀 rockets"`,
			"abstract":       `"Résumé\twith tabs\u00a0and NBSP\n and \ufffd replacement \uD7FF"`,
			"authors_parsed": `[["Ødegård","Åse",""],["李","小龙",""]]`,
		}), true, false},
		{"several DOIs", kaggleLine(map[string]string{"doi": `"10.1000/ABC 10.1000/def"`}), true, false},
		{"white space everywhere", " \t{ \"id\" : \"hep-th/9901001v2\" ,\n\"title\"\r: \"T\" , \"submitter\" : \"S\" ,\"versions\" : [ { \"version\" : \"v1\" , \"created\" : \"Mon, 4 Jan 1999 08:53:50 GMT\" } ] , \"authors_parsed\" : [ [ \"A\" , \"B\" ] , null ] } \r\n", true, false},
		{"old style id", kaggleLine(map[string]string{"id": `"math.CO/0601001v3"`}), true, false},
		{"report-no and license any string", kaggleLine(map[string]string{"report-no": `"A\nB"`, "license": `"http:\/\/arxiv.org\/licenses"`}), true, false},
		{"synthetic", syntheticLines(t, 1)[0], true, false},

		// Declined: the encoding/json path decides.
		{"extra key", strings.Replace(kaggleLine(nil), `"license":null`, `"licence":null`, 1), false, false},
		{"export key", strings.Replace(kaggleLine(nil), `"license":null`, `"arxiv_id":"2401.01234"`, 1), false, false},
		{"key in another case", strings.Replace(kaggleLine(nil), `"title":`, `"Title":`, 1), false, false},
		{"key in upper case", strings.Replace(kaggleLine(nil), `"id":`, `"ID":`, 1), false, false},
		{"key with an escape", strings.Replace(kaggleLine(nil), `"title":`, `"ti\u0074le":`, 1), false, false},
		{"key with a folding rune", strings.Replace(kaggleLine(nil), `"submitter":`, `"ſubmitter":`, 1), false, false},
		{"duplicate key", strings.Replace(kaggleLine(nil), `"license":null`, `"title":"Second title"`, 1), false, false},
		{"duplicate null key", strings.Replace(kaggleLine(nil), `"license":null`, `"comments":null`, 1), false, false},
		{"duplicate version key", kaggleLine(map[string]string{"versions": `[{"version":"v1","version":"v2"}]`}), false, false},
		{"version key in another case", kaggleLine(map[string]string{"versions": `[{"Version":"v3"}]`}), false, false},
		{"version extra key", kaggleLine(map[string]string{"versions": `[{"version":"v1","size":"1kb"}]`}), false, false},
		{"id number", kaggleLine(map[string]string{"id": "704.0001"}), false, true},
		{"title bool", kaggleLine(map[string]string{"title": "true"}), false, true},
		// A wrong type in a field other than id and title drops the field, not the
		// line (TestJSONLWrongTypes).
		{"abstract object", kaggleLine(map[string]string{"abstract": `{"a":"b"}`}), false, false},
		{"report-no number", kaggleLine(map[string]string{"report-no": "12"}), false, false},
		{"authors list", kaggleLine(map[string]string{"authors": `["A B"]`, "authors_parsed": "-"}), false, false},
		{"categories list", kaggleLine(map[string]string{"categories": `["cs.LG","cs.AI"]`}), false, false},
		{"versions object", kaggleLine(map[string]string{"versions": `{"version":"v1"}`}), false, false},
		{"versions of strings", kaggleLine(map[string]string{"versions": `["v1"]`}), false, false},
		{"version number", kaggleLine(map[string]string{"versions": `[{"version":1}]`}), false, false},
		{"authors_parsed flat", kaggleLine(map[string]string{"authors_parsed": `["Yuan","C."]`}), false, false},
		{"authors_parsed numbers", kaggleLine(map[string]string{"authors_parsed": `[["Yuan",1]]`}), false, false},
		{"authors_parsed too deep", kaggleLine(map[string]string{"authors_parsed": `[[["Yuan"]]]`}), false, false},
		{"invalid UTF-8 in title", kaggleLine(map[string]string{"title": "\"Bad \xff byte\""}), false, false},
		{"invalid UTF-8 in authors", kaggleLine(map[string]string{"authors": "\"Bal\xe1zs\"", "authors_parsed": "-"}), false, false},
		{"encoded surrogate", kaggleLine(map[string]string{"title": "\"\xed\xa0\x80\""}), false, false},
		{"surrogate pair escape", kaggleLine(map[string]string{"title": `"smile \ud83d\ude00"`}), false, false},
		{"lone surrogate escape", kaggleLine(map[string]string{"title": `"lone \udc00"`}), false, false},
		{"unknown escape", kaggleLine(map[string]string{"title": `"bad \x escape"`}), false, true},
		{"short unicode escape", kaggleLine(map[string]string{"title": `"bad \u12 escape"`}), false, true},
		{"raw control character", kaggleLine(map[string]string{"title": "\"tab\there\""}), false, true},
		{"trailing data", kaggleLine(nil) + " x", false, true},
		{"two objects", kaggleLine(nil) + "{}", false, true},
		{"trailing comma", strings.TrimSuffix(kaggleLine(nil), "}") + ",}", false, true},
		{"truncated", kaggleLine(nil)[:400], false, true},
		{"unterminated string", `{"id":"0704.0001","title":"T`, false, true},
		{"nully", kaggleLine(map[string]string{"comments": "nul"}), false, true},
		{"not an object", `["0704.0001"]`, false, true},
		{"top-level null", `null`, false, true},
		{"empty object", `{}`, false, true},
		{"empty line", ``, false, true},
		{"export line", `{"id":"2401.01234","title":"T","authors":["A B"],"categories":["cs.LG"]}`, false, false},
		{"id and title only", `{"id":"2401.01234","title":"T"}`, false, false},
		{"seed line", `{"title":"T","abstract":"A","date":"Mar 22, 2022"}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := []byte(tt.line)
			if got := checkSameAsSlow(t, line); got != tt.want {
				t.Errorf("fast path accepted: got %v, want %v (line %s)", got, tt.want, line)
			}
			_, _, err := ParseJSONLine(line)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("ParseJSONLine error: got %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

// TestFastCollapse checks the title and abstract decoding that collapses white space on
// the way: for ASCII text without control characters (which CollapseSpace drops) it gives
// what paperboy.CollapseSpace gives, and in any case a string CollapseSpace turns into the
// same as the encoding/json value.
func TestFastCollapse(t *testing.T) {
	for _, raw := range []string{
		`""`, `"   "`, `"\n\t \r"`, `"a"`, `" a "`, `"a b"`, `"a  b"`, `"  lead"`, `"trail  "`,
		`"a\nb"`, `"a \n b"`, `"a\\nb"`, `"a \"q\" b"`, `"a \\ b"`, `"a \u000b\u000c b"`, `"\u0020x\u0020"`,
		`"a \u00e9 b"`, `"a é b"`, `"é  é"`, `"a\u00a0b"`, `"a \u00a0 b"`, `"a\u0085b"`, `"a\u2028 b"`,
		`"x \/ y"`, `"x \b y"`, `"a\u001b]0;T\u0007 b\u007f"`, `"a \u001b b"`, `"tab\tend\t"`, `"  A model is\npresented for the data.\n"`, `" \" "`,
	} {
		t.Run(raw, func(t *testing.T) {
			var want string
			if err := json.Unmarshal([]byte(raw), &want); err != nil {
				t.Fatal(err)
			}
			d := &fastDecoder{in: []byte(raw)}
			var s strSpan
			if !d.str1(&s, true) || d.pos != len(raw) {
				t.Fatalf("str1 declined %s", raw)
			}
			got := string(d.out[s.start:s.end])
			if isASCII(want) && !strings.ContainsFunc(want, paperboy.IsControl) && got != paperboy.CollapseSpace(want) {
				t.Errorf("got %q, want %q", got, paperboy.CollapseSpace(want))
			}
			if g, w := paperboy.CollapseSpace(got), paperboy.CollapseSpace(want); g != w {
				t.Errorf("collapsed: got %q, want %q", g, w)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestParseJSONLineFastCorpus checks the fast path takes every real-shaped Kaggle line.
func TestParseJSONLineFastCorpus(t *testing.T) {
	lines := syntheticLines(t, 200)
	for _, line := range bytes.Split(bytes.TrimSpace(readFixture(t, "kaggle.jsonl")), []byte("\n")) {
		lines = append(lines, string(line))
	}
	for i, line := range lines {
		if !checkSameAsSlow(t, []byte(line)) {
			t.Errorf("line %d: fast path declined: %s", i, line)
		}
	}
}

// TestParseJSONLineFastNoAliasing checks the paper holds no part of the line, which
// JSONLReader overwrites with the next one.
func TestParseJSONLineFastNoAliasing(t *testing.T) {
	for _, line := range bytes.Split(bytes.TrimSpace(readFixture(t, "kaggle.jsonl")), []byte("\n")) {
		want, _, wantErr := parseJSONLineSlow(line)
		buf := bytes.Clone(line)
		got, ok, err := parseKaggleFast(buf)
		if !ok {
			t.Fatalf("fast path declined %s", line)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		samePaper(t, "fast path after the line was overwritten", got, err, want, wantErr)
	}
}

// syntheticLines returns n Kaggle lines from the benchmark corpus generator.
func syntheticLines(tb testing.TB, n int) []string {
	tb.Helper()
	var buf bytes.Buffer
	if err := (synth.Generator{Seed: 7}).WriteKaggle(&buf, n); err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func FuzzParseJSONLineFast(f *testing.F) {
	for _, line := range syntheticLines(f, 10) {
		f.Add([]byte(line))
	}
	for _, name := range []string{"kaggle.jsonl", "seed.jsonl"} {
		for _, line := range bytes.Split(readFixture(f, name), []byte("\n")) {
			f.Add(line)
		}
	}
	for _, s := range []string{
		kaggleLine(map[string]string{"title": `"A \"q\" \\ \/ \b\f\n\r\t \u00e9\u20AC"`, "authors_parsed": "-"}),
		kaggleLine(map[string]string{"comments": "null", "versions": "[]", "authors_parsed": "[null,[]]"}),
		kaggleLine(map[string]string{"versions": `[null,{},{"version":"v9","created":"2001-02-03"}]`}),
		strings.Replace(kaggleLine(nil), `"title":`, `"Title":`, 1),
		kaggleLine(map[string]string{"title": `"\ud83d\ude00"`}),
		`{"id":"2401.01234","title":"T","versions":[]}`,
		`{"id":"2401.01234","title":"T"}`,
		`{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkSameAsSlow(t, line)
	})
}

// BenchmarkParseJSONLine compares the encoding/json path with the fast path on
// synthetic Kaggle lines (the bulk import's shape).
func BenchmarkParseJSONLine(b *testing.B) {
	var lines [][]byte
	for _, s := range syntheticLines(b, 500) {
		lines = append(lines, []byte(s))
	}
	var size int
	for _, l := range lines {
		size += len(l)
	}
	for _, bc := range []struct {
		name  string
		parse func([]byte) (paperboy.Paper, string, error)
	}{{"slow", parseJSONLineSlow}, {"fast", ParseJSONLine}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(lines)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, format, err := bc.parse(lines[i%len(lines)]); err != nil || format != FormatKaggle {
					b.Fatalf("line %d: format %q, error %v", i, format, err)
				}
				i++
			}
		})
	}
	// The decoding alone, without the kaggle() both paths share.
	b.Run("decode/slow", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var l jsonlLine
			if err := json.Unmarshal(lines[i%len(lines)], &l); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("decode/fast", func(b *testing.B) {
		b.ReportAllocs()
		d := new(fastDecoder)
		i := 0
		for b.Loop() {
			var l jsonlLine
			if !d.decode(lines[i%len(lines)]) {
				b.Fatalf("line %d declined", i)
			}
			d.fill(&l)
			i++
		}
	})
}
