package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"math"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// This file keeps papers' dense embeddings (migration 022, table paper_embeddings), keyed
// by paper and model, as float32 little-endian blobs.

// encodeEmbedding is v as float32 little-endian.
func encodeEmbedding(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// decodeEmbedding reverses encodeEmbedding; a blob whose length is not a multiple of 4 is
// corrupt and yields nil (the paper is ranked without its embedding).
func decodeEmbedding(b []byte) []float32 {
	if len(b) == 0 || len(b)%4 != 0 {
		return nil
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// SaveEmbeddings stores the embeddings of papers (by papers.id) under model, replacing
// older ones of the same model. Unknown ids are skipped. Errors: EINVALID (no model, an
// empty vector).
func (db *DB) SaveEmbeddings(ctx context.Context, model string, vecs map[string][]float32) error {
	if model == "" {
		return paperboy.Errorf(paperboy.EINVALID, "an embedding model is required")
	}
	for id, v := range vecs {
		if len(v) == 0 {
			return paperboy.Errorf(paperboy.EINVALID, "paper %s: empty embedding", id)
		}
	}
	now := toUnix(db.Now())
	err := db.update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO paper_embeddings (seq, model, vec, created_at)
			SELECT seq, ?, ?, ? FROM papers WHERE id = ?
			ON CONFLICT (seq, model) DO UPDATE SET vec = excluded.vec, created_at = excluded.created_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for id, v := range vecs {
			if _, err := st.ExecContext(ctx, model, encodeEmbedding(v), now, id); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapErr("save embeddings", err)
}

// Embeddings returns the embeddings under model of the papers with these ids, by id;
// papers without one are left out.
func (db *DB) Embeddings(ctx context.Context, model string, ids []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(ids))
	if model == "" || len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	err = db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.id, e.vec FROM papers p JOIN paper_embeddings e ON e.seq = p.seq AND e.model = ?
			WHERE p.id IN (SELECT value FROM json_each(?))`, model, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var blob []byte
			if err := rows.Scan(&id, &blob); err != nil {
				return err
			}
			if v := decodeEmbedding(blob); v != nil {
				out[id] = v
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("embeddings", err)
	}
	return out, nil
}

// PapersWithoutEmbedding returns papers published or stored since `since` (zero: all)
// that have no embedding under model, newest first, at most limit (<= 0: all).
func (db *DB) PapersWithoutEmbedding(ctx context.Context, model string, since time.Time, limit int) ([]*paperboy.Paper, error) {
	if model == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "an embedding model is required")
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var sinceUnix int64
	if !since.IsZero() {
		sinceUnix = since.Unix()
	}
	var out []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryPapers(ctx, tx, `WHERE (published >= ?1 OR created_at >= ?1)
			AND NOT EXISTS (SELECT 1 FROM paper_embeddings e WHERE e.seq = papers.seq AND e.model = ?2)
			ORDER BY seq DESC LIMIT ?3`, sinceUnix, model, limit)
		return err
	})
	if err != nil {
		return nil, wrapErr("papers without embedding", err)
	}
	return out, nil
}
