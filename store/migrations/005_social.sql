-- Social: SeenEvent prunes old event ids on every insert; an index on at keeps it cheap.
CREATE INDEX events_seen_at ON events_seen(at);
