-- Ranked subscriptions (issue 19): for-you (the channel's model), trending (Hugging Face
-- upvotes), the number a ranked digest holds, and the score an immediate for-you
-- subscription needs. Existing subscriptions keep posting every match, by date.
ALTER TABLE subscriptions ADD COLUMN for_you INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN trending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN top INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN min_score REAL NOT NULL DEFAULT 0;
