package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/cite"
	"github.com/paperboy-bot/paperboy/store"
)

// runExport writes papers in the order they were first stored: by default every paper
// as one JSON line (paperboy.Paper's JSON form, which `paperboy import` reads back
// losslessly); --format bibtex or ris for reference managers; --channel and --readlist
// narrow it to the papers posted in a channel or on a user's read-later list.
func (m *Main) runExport(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("export", "> papers.jsonl", &c)
	format := fs.String("format", "jsonl", "output `format`: jsonl (lossless, for import), bibtex or ris")
	var f store.ExportFilter
	fs.StringVar(&f.Channel, "channel", "", "only papers posted in this channel `key` (slack:C0123, discord:123, shell:general)")
	fs.StringVar(&f.ReadingList, "readlist", "", "only papers on this user's read-later list (user `key`: slack:U0123)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(m.Stderr, "paperboy: export takes no arguments (got %q); it writes to standard output\n", pos[0])
		fs.Usage()
		return errUsage
	}
	var write func(io.Writer) func(*paperboy.Paper) error
	switch *format {
	case "jsonl", "json":
		write = func(w io.Writer) func(*paperboy.Paper) error {
			enc := json.NewEncoder(jsonOut(w))
			enc.SetEscapeHTML(false)
			return func(p *paperboy.Paper) error { return enc.Encode(p) }
		}
	case "bibtex", "bib":
		write = func(w io.Writer) func(*paperboy.Paper) error { return cite.NewBibWriter(w).Write }
	case "ris":
		write = func(w io.Writer) func(*paperboy.Paper) error {
			return func(p *paperboy.Paper) error { _, err := io.WriteString(w, cite.RIS(p)); return err }
		}
	default:
		fmt.Fprintf(m.Stderr, "paperboy: unknown --format %q: use jsonl, bibtex or ris\n", *format)
		return errUsage
	}
	_, db, err := m.openReader(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriterSize(m.Stdout, 1<<16)
	n := 0
	fn := write(w)
	if err := db.ExportSelected(ctx, f, func(p *paperboy.Paper) error { n++; return fn(p) }); err != nil {
		return err
	}
	if n == 0 && (f.Channel != "" || f.ReadingList != "") {
		fmt.Fprintln(m.Stderr, "paperboy: no papers matched (channel and user keys look like slack:C0123; see `paperboy status`)")
	}
	return w.Flush()
}
