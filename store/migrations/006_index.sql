-- The full-text index is fed terms that Go has already produced (paperboy.IndexText for
-- title and abstract: lower case, diacritics folded, stop words dropped, Porter stems;
-- paperboy.NameText for authors and categories), so SQLite only splits on spaces. That
-- moves tokenizing and stemming off the single writer connection onto other cores, and
-- stop words never reach the index. Contentless (the text lives in papers) with
-- contentless_delete so an update deletes a row by rowid alone. store/index.go fills the
-- new table from papers right after this script, in the same transaction.
-- Column order matters: bm25 weights in store/search.go follow it.
DROP TABLE papers_fts;
CREATE VIRTUAL TABLE papers_fts USING fts5(
	title, abstract, authors, categories,
	content='', contentless_delete=1,
	tokenize='ascii'
);
INSERT INTO papers_fts (papers_fts, rank) VALUES ('hashsize', 33554432);
INSERT INTO papers_fts (papers_fts, rank) VALUES ('automerge', 8);
