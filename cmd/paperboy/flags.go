package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// common holds the flags every command takes.
type common struct {
	db         string
	configPath string
}

func (m *Main) newFlags(name, args string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&c.db, "db", "", "SQLite database `path` (default ./paperboy.db, or $PAPERBOY_DB)")
	fs.StringVar(&c.configPath, "config", "", "TOML configuration `file` (or $PAPERBOY_CONFIG)")
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: paperboy %s [flags] %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags anywhere among the arguments ("search --json attention -survey"):
// a token is a flag only when it names one the set defines; everything else (including
// "-survey", an excluded word) is positional. "--" ends flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			fs.Usage()
			return nil, errUsage
		}
		f := fs.Lookup(name)
		if f == nil {
			pos = append(pos, a)
			continue
		}
		if !hasVal {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				val = "true"
			} else if i+1 < len(args) {
				i++
				val = args[i]
			} else {
				fmt.Fprintf(fs.Output(), "paperboy: flag -%s needs a value\n", name)
				fs.Usage()
				return nil, errUsage
			}
		}
		if err := fs.Set(name, val); err != nil {
			fmt.Fprintf(fs.Output(), "paperboy: invalid value %q for -%s: %v\n", val, name, err)
			return nil, errUsage
		}
	}
	return pos, nil
}

// loadConfig loads the config file and environment, applies --db, and validates the
// settings every command uses plus the parts this one uses (chat settings only for `run`:
// `import` from the bot's shell must not fail over a Slack token it does not read).
func (m *Main) loadConfig(c *common, parts ...config.Part) (config.Config, error) {
	path := c.configPath
	if path == "" {
		path = m.Getenv("PAPERBOY_CONFIG")
	}
	cfg, err := config.Load(path, m.Getenv)
	if err != nil {
		return cfg, err
	}
	if c.db != "" {
		cfg.DB = c.db
	}
	if err := cfg.ValidateParts(parts...); err != nil {
		return cfg, fmt.Errorf("configuration:\n%w", err)
	}
	if slices.Contains(parts, config.Summaries) {
		if err := summarizeConfig(cfg).Validate(); err != nil {
			return cfg, fmt.Errorf("configuration: summarize: %s", userError(err))
		}
	}
	return cfg, nil
}

// openReader loads the configuration (no part beyond the common settings) and opens its
// database for a command that only reads: it writes nothing, so it works on a full disk.
func (m *Main) openReader(ctx context.Context, c *common) (config.Config, *store.DB, error) {
	cfg, err := m.loadConfig(c)
	if err != nil {
		return cfg, nil, err
	}
	db, err := m.openReadDB(ctx, cfg)
	return cfg, db, err
}

// openReadDB opens the database read-only (store.OpenReadOnly).
func (m *Main) openReadDB(ctx context.Context, cfg config.Config) (*store.DB, error) {
	db, err := store.OpenReadOnly(ctx, cfg.DB, m.logger(cfg))
	if err != nil {
		return nil, shownError{fmt.Sprintf("open database %s: %s", cfg.DB, userError(err)), err}
	}
	return db, nil
}

// unindexedNote says that papers are missing from the search index, or "" when none are.
func unindexedNote(ctx context.Context, db *store.DB) string {
	n, err := db.UnindexedPapers(ctx)
	if err != nil || n == 0 {
		return ""
	}
	return fmt.Sprintf("%d stored papers are not searchable yet: an import ended before indexing them (a crash or a full disk). The next command that writes to the database (import, ingest, run) indexes them; it needs about %d MB of free disk.",
		n, max(1, n/1000))
}

// openDB opens (creating if needed) the database file; its directory must exist.
func (m *Main) openDB(ctx context.Context, cfg config.Config) (*store.DB, error) {
	db, err := store.OpenLogged(ctx, cfg.DB, m.logger(cfg))
	if err != nil {
		return nil, shownError{fmt.Sprintf("open database %s: %s", cfg.DB, userError(err)), err}
	}
	return db, nil
}

// shownError prints as msg (a paperboy.Error's message, not its "paperboy: code:" form)
// and still unwraps to the error it came from.
type shownError struct {
	msg string
	err error
}

func (e shownError) Error() string { return e.msg }
func (e shownError) Unwrap() error { return e.err }

func (m *Main) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(logHandler(m.Stderr, cfg.LogFormat, level))
}

// logHandler writes records at level and above to w as text or JSON (log_format).
func logHandler(w io.Writer, format string, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// runLogger is the log of `run`. On the terminal the chat owns the screen: the log goes
// to <db>.log (appended), and only warnings and errors to stderr as well. Elsewhere (a
// service, a container) it is logger's. It returns the log file's path ("" when none)
// and a function that closes it.
func (m *Main) runLogger(cfg config.Config, terminal bool) (*slog.Logger, string, func()) {
	if !terminal {
		return m.logger(cfg), "", func() {}
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	warn := logHandler(m.Stderr, cfg.LogFormat, max(level, slog.LevelWarn))
	path := cfg.DB + ".log"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		log := slog.New(warn)
		log.Warn("cannot write the log file; only warnings and errors are shown", slog.String("path", path), slog.Any("error", err))
		return log, "", func() {}
	}
	return slog.New(slog.NewMultiHandler(logHandler(f, cfg.LogFormat, level), warn)), path, func() { f.Close() }
}

// stdinOrFile opens a path, or standard input for "-".
func (m *Main) stdinOrFile(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(m.Stdin), nil
	}
	return os.Open(path)
}
