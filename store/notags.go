//go:build !sqlite_fts5

package store

// Built without the sqlite_fts5 tag, go-sqlite3 lacks FTS5 and migrations would fail with
// "no such module: fts5". Fail at compile time with a message that says what to do.
var _ = buildWithMakeOrTagsSqliteFTS5 // use `make test` / `make run`, or go ... -tags sqlite_fts5
