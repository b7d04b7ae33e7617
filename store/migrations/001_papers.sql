-- Papers. seq is the watcher's order: assigned on first insert, never changed by updates.
-- (Starter schema; the search work may reshape indexes and the FTS table.)
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
