-- Outbox rows counted per channel and state, kept exact by triggers in the transaction
-- that changes a row, so `paperboy status`, `/papers status` and a metrics scrape read a
-- few rows instead of counting the outbox (issue 20). Outbox writes are one per message,
-- so the triggers cost nothing a user notices.
CREATE TABLE delivery_counts (
	channel TEXT NOT NULL,
	state   TEXT NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (channel, state)
) WITHOUT ROWID;

INSERT INTO delivery_counts (channel, state, n)
	SELECT channel, state, COUNT(*) FROM deliveries GROUP BY channel, state;

CREATE TRIGGER delivery_counts_insert AFTER INSERT ON deliveries BEGIN
	INSERT INTO delivery_counts (channel, state, n) VALUES (NEW.channel, NEW.state, 1)
		ON CONFLICT (channel, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER delivery_counts_update AFTER UPDATE OF channel, state ON deliveries
	WHEN OLD.channel != NEW.channel OR OLD.state != NEW.state BEGIN
	UPDATE delivery_counts SET n = n - 1 WHERE channel = OLD.channel AND state = OLD.state;
	INSERT INTO delivery_counts (channel, state, n) VALUES (NEW.channel, NEW.state, 1)
		ON CONFLICT (channel, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER delivery_counts_delete AFTER DELETE ON deliveries BEGIN
	UPDATE delivery_counts SET n = n - 1 WHERE channel = OLD.channel AND state = OLD.state;
END;
