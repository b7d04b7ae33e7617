-- Exactly-once for every message paperboy sends (see bot.Dispatcher). Each message carries
-- a key the dispatcher can look up on the platform; a call that may have reached the
-- platform is recorded before it is made.
-- followup: 0 nothing owed, 1 the thread reply (abstract) is owed, 2 owed and tried (a
-- call may have reached the platform: look it up before sending again).
-- summary: the same for the LLM summary in the thread (owed once the abstract is sent,
-- when a summarizer is configured; generated again after a restart).
ALTER TABLE deliveries ADD COLUMN summary INTEGER NOT NULL DEFAULT 0;
-- digest_key: the key of the digest message a digest delivery was sent in (set with the
-- intent to send; a retry resends the same set under the same key).
ALTER TABLE deliveries ADD COLUMN digest_key TEXT NOT NULL DEFAULT '';
DROP INDEX deliveries_followup;
CREATE INDEX deliveries_followup ON deliveries(id) WHERE followup != 0;
CREATE INDEX deliveries_summary ON deliveries(id) WHERE summary != 0;
