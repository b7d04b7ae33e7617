-- Dense embeddings of papers from an OpenAI-compatible embeddings endpoint ([embeddings] in
-- the configuration; off by default), one row per paper and model: a model change leaves
-- the old rows alone and the new model's vectors are filled in by `paperboy embed`.
-- vec is the vector as float32 little-endian (4 bytes a dimension); tokens is what the
-- endpoint counted for the paper's text (its share of the batch), for cost reports.
CREATE TABLE paper_embeddings (
	seq INTEGER NOT NULL, -- papers.seq (papers are never deleted)
	model TEXT NOT NULL,
	vec BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (seq, model)
) WITHOUT ROWID;
