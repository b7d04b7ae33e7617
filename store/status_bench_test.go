package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
)

// BenchmarkStatus is what `paperboy status`, `/papers status` and a metrics scrape ask
// the store (DeliveryStatus of the whole outbox, summary usage, unindexed papers, the
// running instance) on a large synthetic store (PAPERBOY_BENCH_PAPERS, default 20 000)
// whose outbox holds a delivery for a quarter of the papers on three platforms, beside
// the row count status used to make ("baseline_count_rows": COUNT(*) and MAX(created_at)
// over papers, as before issue 20).
func BenchmarkStatus(b *testing.B) {
	n := benchPapers(b)
	db := statusBenchDB(b, n)
	ctx := context.Background()
	b.Run("status", func(b *testing.B) {
		for range b.N {
			st, err := db.DeliveryStatus(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			if st.Papers != n || st.Total() != n/4 {
				b.Fatalf("got %d papers and %d deliveries, want %d and %d", st.Papers, st.Total(), n, n/4)
			}
			if _, err := db.SummaryUsage(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := db.UnindexedPapers(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := db.RunningInstance(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline_count_rows", func(b *testing.B) {
		for range b.N {
			var c, last int64
			if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(created_at) FROM papers`).Scan(&c, &last); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// statusBenchDB is benchDB's store of n papers copied once (beside it, reused by later
// runs) with n/4 deliveries added: mostly sent, some pending and failed, on three
// platforms.
func statusBenchDB(b *testing.B, n int) *DB {
	b.Helper()
	src := benchDB(b, n)
	path := src.Path + ".status.db"
	ctx := context.Background()
	if _, err := os.Stat(path); err != nil {
		if _, err := src.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		tmp := path + ".building"
		if err := copyFile(src.Path, tmp); err != nil {
			b.Fatal(err)
		}
		db, err := Open(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		_, err = db.write.ExecContext(ctx, `INSERT INTO deliveries (paper_id, channel, state, created_at, sent_at)
			SELECT id, CASE seq % 3 WHEN 0 THEN 'slack:C1' WHEN 1 THEN 'discord:123' ELSE 'shell:terminal' END,
				CASE WHEN seq % 100 = 1 THEN 'failed' WHEN seq % 50 = 2 THEN 'pending' ELSE 'sent' END,
				created_at, created_at
			FROM papers ORDER BY seq LIMIT ?`, n/4)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		db.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}
