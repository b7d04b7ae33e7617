-- Each paper's term vector (package analysis: stems, title stem pairs, authors, categories
-- with their counts, compactly encoded), written with the paper and when its text changes.
-- A table of its own rather than a column of papers: a paper row plus its vector would
-- no longer fit two to a page, which made imports slower and the file half again as large.
-- Papers stored before this migration have no row: readers compute their vectors on the fly
-- and `paperboy vectors` (store.BackfillVectors) fills them in.
CREATE TABLE paper_vectors (
	seq INTEGER PRIMARY KEY, -- papers.seq (papers are never deleted)
	vec BLOB NOT NULL
);
