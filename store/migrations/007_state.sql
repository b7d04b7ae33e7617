-- Store-wide state that must survive a crash, one row per key. 'bulk_index' holds the
-- path of the side file where a bulk import into an empty store builds the full-text
-- index (store/sideindex.go). While the row exists, papers committed by that import are
-- not in papers_fts yet: the import copies its index in and deletes the row in one
-- transaction, and Open rebuilds papers_fts when the import died first.
CREATE TABLE store_state (
	k TEXT PRIMARY KEY,
	v TEXT NOT NULL
) WITHOUT ROWID;
