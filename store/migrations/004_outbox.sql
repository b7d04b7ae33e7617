-- Outbox bookkeeping for the dispatcher.
-- followup = 1: the post went out and its thread reply (the abstract) is still owed.
ALTER TABLE deliveries ADD COLUMN followup INTEGER NOT NULL DEFAULT 0;
-- The queue heads: undelivered rows per channel in id order (small, partial).
CREATE INDEX deliveries_queue ON deliveries(channel, id) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_followup ON deliveries(id) WHERE followup = 1;
-- Daily caps count a subscription's deliveries of the day.
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, created_at);
