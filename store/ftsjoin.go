package store

import (
	"bytes"
	"errors"
	"fmt"
)

// FTS5 keeps an index's segments in its %_data table: the averages record (rowid 1), the
// structure record (rowid 10) listing every segment, and the segments' pages, whose rowids
// carry the segment id in their top bits. A bulk import builds its index in several side
// files at once (sideindex.go), each merged into one segment, and joins them into one
// index by renumbering segment ids and origins and writing one structure record that
// lists them all. This file reads and writes those two records; the layout is FTS5's
// (fts5_index.c in SQLite's sources: "structure record", fts5StructureDecode,
// fts5StructureWrite, fts5_dri; fts5_storage.c: fts5StorageSaveTotals).

const (
	ftsAveragesRowid  = 1
	ftsStructureRowid = 10
	ftsSegidShift     = 31 + 5 + 1 // FTS5_DATA_PAGE_B + FTS5_DATA_HEIGHT_B + FTS5_DATA_DLI_B
	ftsMaxSegid       = 1<<16 - 1
)

// ftsStructureV2 follows the cookie in a contentless_delete table's structure record.
var ftsStructureV2 = []byte{0xFF, 0x00, 0x00, 0x01}

var errFTSRecord = errors.New("unreadable FTS5 record")

// ftsSegment is one segment of a V2 structure record.
type ftsSegment struct {
	id, pgnoFirst, pgnoLast uint64
	origin1, origin2        uint64
	pgTombstone             uint64
	entryTombstone, entries uint64
}

// ftsStructure is a decoded V2 structure record.
type ftsStructure struct {
	cookie       [4]byte
	writeCounter uint64
	levels       []ftsLevel
}

type ftsLevel struct {
	merge uint64 // segments in an incremental merge
	segs  []ftsSegment
}

func (s *ftsStructure) segments() int {
	n := 0
	for _, l := range s.levels {
		n += len(l.segs)
	}
	return n
}

// maxOrigin is the largest origin of any segment (0 when there are none).
func (s *ftsStructure) maxOrigin() uint64 {
	var m uint64
	for _, l := range s.levels {
		for _, g := range l.segs {
			m = max(m, g.origin2)
		}
	}
	return m
}

// ftsReader reads SQLite varints (big-endian groups of 7 bits, the ninth byte whole).
type ftsReader struct {
	b   []byte
	err error
}

func (r *ftsReader) varint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < 9; i++ {
		if i >= len(r.b) {
			r.err = errFTSRecord
			return 0
		}
		c := r.b[i]
		if i == 8 {
			v = v<<8 | uint64(c)
			r.b = r.b[9:]
			return v
		}
		v = v<<7 | uint64(c&0x7f)
		if c < 0x80 {
			r.b = r.b[i+1:]
			return v
		}
	}
	return v
}

// appendVarint appends v as an SQLite varint.
func appendVarint(b []byte, v uint64) []byte {
	if v > 1<<56-1 {
		var buf [9]byte
		buf[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			buf[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return append(b, buf[:]...)
	}
	var buf [8]byte
	i := len(buf) - 1
	buf[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		i--
		buf[i] = byte(v&0x7f) | 0x80
	}
	return append(b, buf[i:]...)
}

// decodeFTSStructure reads a V2 structure record.
func decodeFTSStructure(b []byte) (*ftsStructure, error) {
	if len(b) < 8 || !bytes.Equal(b[4:8], ftsStructureV2) {
		return nil, fmt.Errorf("%w: not a contentless_delete structure record", errFTSRecord)
	}
	s := &ftsStructure{}
	copy(s.cookie[:], b)
	r := ftsReader{b: b[8:]}
	nLevel, nSeg := r.varint(), r.varint()
	s.writeCounter = r.varint()
	if r.err != nil || nLevel > 64 || nSeg > ftsMaxSegid {
		return nil, errFTSRecord
	}
	s.levels = make([]ftsLevel, nLevel)
	total := uint64(0)
	for i := range s.levels {
		l := &s.levels[i]
		l.merge = r.varint()
		n := r.varint()
		if r.err != nil || n > nSeg-total || l.merge > n {
			return nil, errFTSRecord
		}
		total += n
		l.segs = make([]ftsSegment, n)
		for j := range l.segs {
			g := &l.segs[j]
			g.id, g.pgnoFirst, g.pgnoLast = r.varint(), r.varint(), r.varint()
			g.origin1, g.origin2 = r.varint(), r.varint()
			g.pgTombstone, g.entryTombstone, g.entries = r.varint(), r.varint(), r.varint()
		}
	}
	if r.err != nil || total != nSeg || len(r.b) != 0 {
		return nil, errFTSRecord
	}
	return s, nil
}

// encode writes s as a V2 structure record.
func (s *ftsStructure) encode() []byte {
	b := append(s.cookie[:4:4], ftsStructureV2...)
	b = appendVarint(b, uint64(len(s.levels)))
	b = appendVarint(b, uint64(s.segments()))
	b = appendVarint(b, s.writeCounter)
	for _, l := range s.levels {
		b = appendVarint(b, l.merge)
		b = appendVarint(b, uint64(len(l.segs)))
		for _, g := range l.segs {
			for _, v := range []uint64{g.id, g.pgnoFirst, g.pgnoLast, g.origin1, g.origin2, g.pgTombstone, g.entryTombstone, g.entries} {
				b = appendVarint(b, v)
			}
		}
	}
	return b
}

// ftsColumns is papers_fts's column count (title, abstract, authors, categories).
const ftsColumns = 4

// decodeFTSAverages reads an averages record: the row count, then each column's total
// token count. Like FTS5, it reads missing values as 0 (a new table's record is empty).
func decodeFTSAverages(b []byte, columns int) ([]uint64, error) {
	r := ftsReader{b: b}
	v := make([]uint64, columns+1)
	for i := range v {
		if len(r.b) > 0 {
			v[i] = r.varint()
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errFTSRecord
	}
	return v, nil
}

func encodeFTSAverages(v []uint64) []byte {
	var b []byte
	for _, x := range v {
		b = appendVarint(b, x)
	}
	return b
}

// ftsPart is one index to join: its structure and averages records.
type ftsPart struct {
	structure *ftsStructure
	averages  []uint64
}

// ftsShift is how a part's rows change in the joined index: its segment's pages move by
// rowid (the new segment id's rowids), its docsize rows' origins by origin.
type ftsShift struct {
	rowid  int64
	origin uint64
	segid  int64
}

// joinFTS joins indexes of disjoint rowids, each of at most one segment and no
// incremental merge in progress, into one index whose segments all sit on one level:
// part 0 keeps its segment id and origins, and every later part gets an unused segment id
// and origins above those before it. It returns the joined records and each part's shift.
func joinFTS(parts []ftsPart) (structure, averages []byte, shifts []ftsShift, err error) {
	if len(parts) == 0 {
		return nil, nil, nil, errors.New("no index to join")
	}
	joined := &ftsStructure{cookie: parts[0].structure.cookie}
	var level, segments int
	used := map[uint64]bool{}
	for _, p := range parts {
		level = max(level, len(p.structure.levels)-1)
		segments += p.structure.segments()
		for _, l := range p.structure.levels {
			if l.merge != 0 {
				return nil, nil, nil, errors.New("join FTS5 indexes: a merge is in progress")
			}
		}
		if p.structure.segments() > 1 {
			return nil, nil, nil, fmt.Errorf("join FTS5 indexes: %d segments, want at most 1", p.structure.segments())
		}
	}
	if segments > 0 {
		joined.levels = make([]ftsLevel, level+1)
	}
	sums := make([]uint64, len(parts[0].averages))
	var origins uint64 // the largest origin so far
	next := uint64(1)  // the next segment id to try
	shifts = make([]ftsShift, len(parts))
	for i, p := range parts {
		if len(p.averages) != len(sums) {
			return nil, nil, nil, errors.New("join FTS5 indexes: different columns")
		}
		for j, v := range p.averages {
			sums[j] += v
		}
		joined.writeCounter += p.structure.writeCounter
		for _, l := range p.structure.levels {
			for _, g := range l.segs {
				id := g.id
				if i > 0 {
					for used[next] {
						next++
					}
					if next > ftsMaxSegid {
						return nil, nil, nil, errors.New("join FTS5 indexes: out of segment ids")
					}
					id = next
					shifts[i] = ftsShift{rowid: (int64(id) - int64(g.id)) << ftsSegidShift, origin: origins, segid: int64(id) - int64(g.id)}
				}
				used[id] = true
				g.id = id
				if g.origin1 > 0 {
					g.origin1 += shifts[i].origin
					g.origin2 += shifts[i].origin
				}
				joined.levels[level].segs = append(joined.levels[level].segs, g)
			}
		}
		origins = max(origins, p.structure.maxOrigin()+shifts[i].origin)
	}
	return joined.encode(), encodeFTSAverages(sums), shifts, nil
}
