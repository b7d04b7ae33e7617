-- The bot's tables: channels, subscriptions, the delivery outbox, posts, votes,
-- discussion, event dedupe, cursors, and the summary cache.
-- Times are unix seconds. Channel keys are "platform:id" (paperboy.ChannelKey).

CREATE TABLE channels (
	key        TEXT PRIMARY KEY,
	name       TEXT NOT NULL DEFAULT '',
	time_zone  TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

CREATE TABLE subscriptions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	channel    TEXT NOT NULL,
	filter     TEXT NOT NULL,                   -- chat grammar, canonical
	digest     TEXT NOT NULL DEFAULT '{}',      -- JSON paperboy.Digest
	daily_cap  INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	deleted_at INTEGER                          -- soft delete: deliveries keep their reference
);
CREATE INDEX subscriptions_channel ON subscriptions(channel) WHERE deleted_at IS NULL;

-- The outbox: one row per (paper, channel). Intent (state 'sending') is committed before
-- the platform call and the result after it.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	paper_id        TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE,
	channel         TEXT NOT NULL,
	subscription_id INTEGER REFERENCES subscriptions(id),
	digest_at       INTEGER NOT NULL DEFAULT 0,  -- 0: post now; else when the digest goes out
	state           TEXT NOT NULL DEFAULT 'pending', -- pending | sending | sent | failed | skipped
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt    INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	message_id      TEXT NOT NULL DEFAULT '',
	thread_id       TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL DEFAULT 0,
	UNIQUE (paper_id, channel)
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt);
CREATE INDEX deliveries_channel ON deliveries(channel, id);

-- Messages the bot posted about a paper (automatic posts and `add`).
CREATE TABLE posts (
	channel     TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	thread_id   TEXT NOT NULL DEFAULT '',
	paper_id    TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE,
	delivery_id INTEGER NOT NULL DEFAULT 0,
	posted_at   INTEGER NOT NULL,
	PRIMARY KEY (channel, message_id)
);
CREATE INDEX posts_thread ON posts(channel, thread_id) WHERE thread_id != '';
CREATE INDEX posts_paper ON posts(paper_id, channel);

-- One vote per user per paper per channel.
CREATE TABLE votes (
	paper_id TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE,
	channel  TEXT NOT NULL,
	user_id  TEXT NOT NULL,
	value    INTEGER NOT NULL CHECK (value IN (-1, 1)),
	via      TEXT NOT NULL DEFAULT '',
	at       INTEGER NOT NULL,
	PRIMARY KEY (paper_id, channel, user_id)
);
CREATE INDEX votes_channel_at ON votes(channel, at);

-- Thread replies (discussion), one row per message.
CREATE TABLE discussion (
	channel    TEXT NOT NULL,
	message_id TEXT NOT NULL,
	paper_id   TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE,
	user_id    TEXT NOT NULL,
	at         INTEGER NOT NULL,
	PRIMARY KEY (channel, message_id)
);
CREATE INDEX discussion_paper ON discussion(paper_id, channel);

-- A user's "read later" list.
CREATE TABLE reading_list (
	user_id  TEXT NOT NULL,                      -- "platform:user"
	paper_id TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE,
	at       INTEGER NOT NULL,
	PRIMARY KEY (user_id, paper_id)
);

-- Platform event ids already processed (platforms redeliver).
CREATE TABLE events_seen (
	event_id TEXT PRIMARY KEY,
	at       INTEGER NOT NULL
);

-- Named progress markers (the watcher's last paper seq, ...).
CREATE TABLE cursors (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

CREATE TABLE summaries (
	paper_id          TEXT NOT NULL REFERENCES papers(id) ON UPDATE CASCADE ON DELETE CASCADE,
	model             TEXT NOT NULL,
	prompt_version    TEXT NOT NULL,
	text              TEXT NOT NULL,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	PRIMARY KEY (paper_id, model, prompt_version)
);
