-- Papers. seq is the watcher's order: assigned on first insert, never changed by updates.
CREATE TABLE papers (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,           -- paperboy.Paper.Key()
	arxiv_id    TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 0,
	doi         TEXT NOT NULL DEFAULT '',
	title_hash  TEXT NOT NULL,
	title       TEXT NOT NULL,
	abstract    TEXT NOT NULL DEFAULT '',
	authors     TEXT NOT NULL DEFAULT '[]',     -- JSON array
	categories  TEXT NOT NULL DEFAULT '',       -- space separated, primary first
	comment     TEXT NOT NULL DEFAULT '',
	journal_ref TEXT NOT NULL DEFAULT '',
	published   INTEGER NOT NULL DEFAULT 0,     -- unix seconds; 0 = unknown
	updated     INTEGER NOT NULL DEFAULT 0,
	abs_url     TEXT NOT NULL DEFAULT '',
	pdf_url     TEXT NOT NULL DEFAULT '',
	hf_url      TEXT NOT NULL DEFAULT '',
	repo_url    TEXT NOT NULL DEFAULT '',
	upvotes     INTEGER NOT NULL DEFAULT 0,
	extra       TEXT NOT NULL DEFAULT '{}',     -- JSON object of strings
	sources     TEXT NOT NULL DEFAULT '',       -- space separated, sorted
	announce    INTEGER NOT NULL DEFAULT 1,     -- 0: never posted by the watcher (imports, replacements)
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX papers_arxiv_id ON papers(arxiv_id) WHERE arxiv_id != '';
CREATE INDEX papers_doi ON papers(doi) WHERE doi != '';
CREATE INDEX papers_title_hash ON papers(title_hash);
CREATE INDEX papers_published ON papers(published);

-- Full-text index over papers, maintained by store/paper.go in the same transaction as the
-- row (no triggers: the upsert knows the old values and batches the work). Query words
-- only ever search {title abstract}; authors and categories serve the author:/cat: filters.
-- Column order matters: bm25 weights in store/search.go follow it.
CREATE VIRTUAL TABLE papers_fts USING fts5(
	title, abstract, authors, categories,
	content='papers', content_rowid='seq',
	tokenize='porter unicode61 remove_diacritics 2'
);
-- Bulk-import friendly index settings: a 32 MB in-memory term buffer gives few, large
-- level-0 segments (one per batch) instead of one per megabyte of text, and merging 8
-- segments at a time halves the rewrite work of the default 4. Search reads a few more
-- segments until Optimize merges them.
INSERT INTO papers_fts (papers_fts, rank) VALUES ('hashsize', 33554432);
INSERT INTO papers_fts (papers_fts, rank) VALUES ('automerge', 8);

-- Words of titles and abstracts (lower case, as paperboy.Words splits them) with the
-- number of papers containing each: spelling correction and term rarity, without
-- scanning FTS doclists (fts5vocab computes document counts by reading whole doclists).
CREATE TABLE words (
	word TEXT PRIMARY KEY,
	df   INTEGER NOT NULL
) WITHOUT ROWID;
