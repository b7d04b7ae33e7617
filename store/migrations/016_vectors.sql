-- Each paper's term vector (package analysis: stems, stem pairs, authors, categories with
-- their counts, compactly encoded), written when the paper is stored or its text changes.
-- NULL for papers stored before this migration (or by an older encoding): readers compute
-- those on the fly and `paperboy recommend --backfill` (store.BackfillVectors) fills them.
ALTER TABLE papers ADD COLUMN vec BLOB;
