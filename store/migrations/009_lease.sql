-- The lease of the one `paperboy run` per database (store/lease.go): at most one row.
-- The running bot renews heartbeat_at every few seconds; another `run` refuses while the
-- heartbeat is fresh and takes the lease over once it is stale (the holder died without
-- releasing it). A row, not a lock file: it cannot outlive its holder for long.
CREATE TABLE run_lease (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	token TEXT NOT NULL,          -- this holder's random id: renew and release match it
	host TEXT NOT NULL,
	pid INTEGER NOT NULL,
	started_at INTEGER NOT NULL,  -- unix seconds
	heartbeat_at INTEGER NOT NULL -- unix seconds
);
