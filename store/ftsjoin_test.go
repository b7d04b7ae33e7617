package store

import (
	"bytes"
	"database/sql"
	"math"
	"path/filepath"
	"reflect"
	"testing"
)

// TestVarint checks appendVarint against SQLite's varint format (sqlite3PutVarint) on
// the edges of each length, and that the reader gives the values back.
func TestVarint(t *testing.T) {
	cases := []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0x00}},
		{127, []byte{0x7f}},
		{128, []byte{0x81, 0x00}},
		{100000, []byte{0x86, 0x8d, 0x20}}, // an averages record's row count, read from FTS5
		{1<<14 - 1, []byte{0xff, 0x7f}},
		{1 << 14, []byte{0x81, 0x80, 0x00}},
		{1<<56 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{1 << 56, []byte{0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}, // nine bytes: the last holds 8 bits
		{math.MaxUint64, bytes.Repeat([]byte{0xff}, 9)},
	}
	for _, c := range cases {
		got := appendVarint(nil, c.v)
		if !bytes.Equal(got, c.want) {
			t.Errorf("appendVarint(%d) = %x, want %x", c.v, got, c.want)
		}
		r := ftsReader{b: append(got, 0x55)}
		if v := r.varint(); v != c.v || r.err != nil || !bytes.Equal(r.b, []byte{0x55}) {
			t.Errorf("varint of %x = %d (err %v, rest %x), want %d", got, v, r.err, r.b, c.v)
		}
	}
	r := ftsReader{b: []byte{0x81, 0x80}}
	if r.varint(); r.err == nil {
		t.Error("a truncated varint read without an error")
	}
}

// ftsTestFile creates an SQLite file at path holding papers_fts as migration 006 defines
// it, with rows for the given rowids (each row's text made from its rowid), merged into
// one segment.
func ftsTestFile(t *testing.T, path string, rowids []int64) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	mustExec(t, db, `CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors, categories, content='', contentless_delete=1, tokenize='ascii')`)
	mustExec(t, db, `INSERT INTO papers_fts (papers_fts, rank) VALUES ('hashsize', 4096)`) // several segments before optimize
	mustExec(t, db, `PRAGMA synchronous = OFF`)
	mustExec(t, db, `BEGIN`)
	for _, id := range rowids {
		mustExec(t, db, `INSERT INTO papers_fts (rowid, title, abstract, authors, categories) VALUES (?, ?, ?, ?, ?)`,
			id, ftsTestText(id, 3), ftsTestText(id, 20), "author"+ftsTestText(id%7, 1), "cs lg")
	}
	mustExec(t, db, `COMMIT`)
	mustExec(t, db, `INSERT INTO papers_fts (papers_fts) VALUES ('optimize')`)
	return db
}

// ftsTestText is n words derived from id: some shared by many rows, some by few.
func ftsTestText(id int64, n int) string {
	var b []byte
	for i := range int64(n) {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, 'w', byte('a'+(id*(i+3))%26), byte('a'+(id+i)%5))
	}
	return string(b)
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// ftsAnswers is the rowids and bm25 scores of a set of queries, in FTS5's order.
func ftsAnswers(t *testing.T, db *sql.DB) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, q := range []string{"wab", "wcb wab", "wz*", "authorwa", "cs lg", `"wab wcc"`, "wa* NOT wbb"} {
		rows, err := db.Query(`SELECT rowid, bm25(papers_fts, 10, 1, 3, 1) FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 10, 1, 3, 1), rowid`, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var got []float64
		for rows.Next() {
			var id int64
			var score float64
			if err := rows.Scan(&id, &score); err != nil {
				t.Fatal(err)
			}
			got = append(got, float64(id), score)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out = append(out, got)
	}
	return out
}

// TestCopyShards joins two indexes of disjoint rowids, built in two files, into a third
// file's papers_fts and expects what one index of all the rows gives: FTS5's integrity
// check passes and every query returns the same rows with the same scores, also after
// rows of both parts are deleted and others added, and after a merge.
func TestCopyShards(t *testing.T) {
	dir := t.TempDir()
	var even, odd, all []int64
	for id := int64(1); id <= 3000; id++ {
		all = append(all, id)
		if id%2 == 0 {
			even = append(even, id)
		} else {
			odd = append(odd, id)
		}
	}
	ref := ftsTestFile(t, filepath.Join(dir, "ref.db"), all)
	ftsTestFile(t, filepath.Join(dir, "a.db"), even).Close()
	ftsTestFile(t, filepath.Join(dir, "b.db"), odd).Close()
	dst := ftsTestFile(t, filepath.Join(dir, "dst.db"), nil)
	mustExec(t, dst, `ATTACH DATABASE ? AS a`, filepath.Join(dir, "a.db"))
	mustExec(t, dst, `ATTACH DATABASE ? AS b`, filepath.Join(dir, "b.db"))
	mustExec(t, dst, `ATTACH DATABASE ? AS store`, filepath.Join(dir, "dst.db"))
	tx, err := dst.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := copyShards(t.Context(), tx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		mustExec(t, dst, `INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 0)`)
		got, want := ftsAnswers(t, dst), ftsAnswers(t, ref)
		if len(want[0]) == 0 || len(want[1]) == 0 {
			t.Fatalf("%s: the reference finds nothing; the queries test nothing", when)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: joined index answers\n%v\nwant\n%v", when, got, want)
		}
	}
	var segs int
	if err := dst.QueryRow(`SELECT COUNT(DISTINCT segid) FROM papers_fts_idx`).Scan(&segs); err != nil || segs != 2 {
		t.Fatalf("joined index: %d segments (%v), want 2", segs, err)
	}
	check("joined")
	for _, db := range []*sql.DB{ref, dst} {
		for _, id := range []int64{2, 3, 1500, 2999} {
			mustExec(t, db, `DELETE FROM papers_fts WHERE rowid = ?`, id)
		}
		mustExec(t, db, `INSERT INTO papers_fts (rowid, title, abstract, authors, categories) VALUES (5000, 'wab new', 'wcb', 'authorwa', 'cs')`)
	}
	// Each deleted row counts against its own part's segment (FTS5 finds it by the origin
	// in the row's docsize entry), not against every segment.
	var st []byte
	if err := dst.QueryRow(`SELECT block FROM papers_fts_data WHERE id = ?`, ftsStructureRowid).Scan(&st); err != nil {
		t.Fatal(err)
	}
	s, err := decodeFTSStructure(st)
	if err != nil {
		t.Fatal(err)
	}
	var tomb []uint64
	for _, l := range s.levels {
		for _, g := range l.segs {
			if g.entries > 1000 { // the joined parts, not the new row's segment
				tomb = append(tomb, g.entryTombstone)
			}
		}
	}
	if !reflect.DeepEqual(tomb, []uint64{2, 2}) {
		t.Fatalf("deleted rows counted per joined segment: %v, want [2 2]", tomb)
	}
	var found int
	if err := dst.QueryRow(`SELECT COUNT(*) FROM papers_fts WHERE papers_fts MATCH 'wab' AND rowid IN (2, 3, 1500, 2999)`).Scan(&found); err != nil || found != 0 {
		t.Fatalf("deleted rows found: %d (%v)", found, err)
	}
	check("after deletes")
	for _, db := range []*sql.DB{ref, dst} {
		mustExec(t, db, `INSERT INTO papers_fts (papers_fts) VALUES ('optimize')`)
	}
	check("after optimize")
}

// TestJoinFTSOrigins: later parts get unused segment ids and origins above the earlier
// parts'; empty parts add nothing.
func TestJoinFTSOrigins(t *testing.T) {
	part := func(id, o1, o2 uint64, level int, avg ...uint64) ftsPart {
		s := &ftsStructure{cookie: [4]byte{0, 0, 0, 5}, levels: make([]ftsLevel, level+1)}
		s.levels[level].segs = []ftsSegment{{id: id, pgnoFirst: 1, pgnoLast: 9, origin1: o1, origin2: o2, entries: 10}}
		return ftsPart{structure: s, averages: avg}
	}
	empty := ftsPart{structure: &ftsStructure{}, averages: []uint64{0, 0}}
	st, av, shifts, err := joinFTS([]ftsPart{part(2, 1, 7, 1, 10, 100), empty, part(2, 1, 5, 2, 20, 50)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeFTSStructure(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.levels) != 3 || len(s.levels[2].segs) != 2 || s.segments() != 2 {
		t.Fatalf("joined structure %+v: want both segments on level 2", s)
	}
	a, b := s.levels[2].segs[0], s.levels[2].segs[1]
	if a.id != 2 || a.origin1 != 1 || a.origin2 != 7 || b.id != 1 || b.origin1 != 8 || b.origin2 != 12 {
		t.Fatalf("joined segments %+v, %+v", a, b)
	}
	if want := (ftsShift{rowid: -1 << ftsSegidShift, origin: 7, segid: -1}); shifts[2] != want || shifts[0] != (ftsShift{}) {
		t.Fatalf("shifts %+v, want part 2's %+v", shifts, want)
	}
	if got, _ := decodeFTSAverages(av, 1); !reflect.DeepEqual(got, []uint64{30, 150}) {
		t.Fatalf("averages %v, want [30 150]", got)
	}
	two := part(3, 1, 1, 0, 1, 1)
	two.structure.levels[0].segs = append(two.structure.levels[0].segs, two.structure.levels[0].segs[0])
	if _, _, _, err := joinFTS([]ftsPart{two}); err == nil {
		t.Fatal("joined a part of two segments")
	}
}

// FuzzDecodeFTSStructure: no input makes the decoder panic, and what it reads encodes
// to a record it reads back the same.
func FuzzDecodeFTSStructure(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x05\xff\x00\x00\x01\x02\x01\x00\x00\x00\x00\x01\x04\x01\xef\x5d\x01\x03\x00\x00\x86\x8d\x20"))
	f.Add([]byte("\x00\x00\x00\x05\xff\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeFTSStructure(b)
		if err != nil {
			return
		}
		again, err := decodeFTSStructure(s.encode())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("re-read %+v (%v), want %+v", again, err, s)
		}
	})
}
