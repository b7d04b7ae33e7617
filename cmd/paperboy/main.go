// Command paperboy is the paperboy chat bot and its tools: `run` (the bot), `import`,
// `ingest`, `search`, `export`, `show`, `status`, `backup`, `doctor`, `summarize` and
// `discord register`. main only
// sets up the signal context and calls Main.Run, so end-to-end tests can run the whole
// program in-process.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/paperboy-bot/paperboy"
)

func main() {
	reexecTuned()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "paperboy:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Main is the program. Its fields are the process's environment so tests can supply
// their own.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, is called once `run` is up, with the address of its HTTP listener
	// (of the first platform that has one: Slack before Discord; "" when none has).
	Ready func(addr string)
	// OpsReady, when set, is called with the ops listener's address once it listens
	// (ops.listen).
	OpsReady func(addr string)
}

var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

const usage = `paperboy keeps a research team on top of new papers in Slack, Discord or the terminal.

Usage: paperboy <command> [flags] [arguments]

Commands:
  run                         run the bot on every configured platform (Slack, Discord; the terminal when none is)
  import FILE|-               bulk import JSONL (Kaggle arXiv snapshot, seed corpus, or export); .gz detected
  ingest arxiv --category C [--since DATE] [--until DATE]
  ingest arxiv-listing CATEGORY
  ingest hf [--date DATE]
  ingest rss URL
  search [--json] [--limit N] WORDS...   words, "phrases", -excluded, author: cat: since: sort: upvotes:
  export [--format jsonl|bibtex|ris] [--channel KEY] [--readlist USER]   papers to stdout (jsonl: lossless)
  show [--json] [--channel KEY] ID|URL   a paper's full record with its summary (and votes in a channel)
  status                      papers, deliveries, failures, summaries
  backup [--force] FILE       a consistent copy of the database, safe while run is writing
  doctor [--timeout 10s]      check config, database, disk, tokens, channels, model, sources before going live
  summarize [--since 1d] [--limit N]     fill LLM (or extractive) summaries in bulk
  discord register [--guild ID]          register the /papers command on Discord (a guild: at once; global: up to an hour)
  recommend --channel KEY [--json] [--limit N] [--since 7d]   papers the channel's votes say it wants
  votes import --channel KEY FILE|-      seed a channel's votes from BibTeX or JSONL
  vectors                     compute the stored vectors of papers stored before recommendations
  embed [--since D] [--limit N]          fill dense embeddings ([embeddings] configured) with progress and cost

Every command takes --db PATH (default ./paperboy.db, or $PAPERBOY_DB) and --config FILE.
Run 'paperboy <command> -h' for the flags of one command.
`

// Run runs one command; args exclude the program name.
func (m *Main) Run(ctx context.Context, args []string) error {
	if m.Getenv == nil {
		m.Getenv = func(string) string { return "" }
	}
	if m.Stdin == nil {
		m.Stdin = eofReader{}
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errUsage
	}
	// Every command's standard output may show stored text (titles, authors, failure
	// reasons): it reaches the terminal through one TerminalWriter, so no control
	// character in it can. JSON output is escaped first (see jsonOut), so it passes
	// unchanged. Stderr is left as is: slog quotes control characters itself, and the
	// progress lines redraw with "\r".
	sm := *m
	sm.Stdout = paperboy.NewTerminalWriter(m.Stdout)
	return sm.run(ctx, args)
}

func (m *Main) run(ctx context.Context, args []string) error {
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return m.runBot(ctx, rest)
	case "import":
		return m.runImport(ctx, rest)
	case "ingest":
		return m.runIngest(ctx, rest)
	case "search":
		return m.runSearch(ctx, rest)
	case "export":
		return m.runExport(ctx, rest)
	case "show":
		return m.runShow(ctx, rest)
	case "backup":
		return m.runBackup(ctx, rest)
	case "doctor":
		return m.runDoctor(ctx, rest)
	case "status":
		return m.runStatus(ctx, rest)
	case "summarize":
		return m.runSummarize(ctx, rest)
	case "discord":
		return m.runDiscord(ctx, rest)
	case "recommend":
		return m.runRecommend(ctx, rest)
	case "votes":
		return m.runVotes(ctx, rest)
	case "vectors":
		return m.runVectors(ctx, rest)
	case "embed":
		return m.runEmbed(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "version", "--version":
		fmt.Fprintln(m.Stdout, "paperboy", version)
		return nil
	}
	fmt.Fprintf(m.Stderr, "paperboy: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

const version = "0.1.0"

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
