package main

import (
	"bufio"
	"context"
	"encoding/json"

	"github.com/paperboy-bot/paperboy"
)

// runExport writes every paper as one JSON line (paperboy.Paper's JSON form), in the
// order papers were first stored. `paperboy import` reads it back losslessly.
func (m *Main) runExport(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("export", "> papers.jsonl", &c)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	_, db, err := m.openReader(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriterSize(m.Stdout, 1<<16)
	enc := json.NewEncoder(jsonOut(w))
	enc.SetEscapeHTML(false)
	if err := db.ExportPapers(ctx, func(p *paperboy.Paper) error { return enc.Encode(p) }); err != nil {
		return err
	}
	return w.Flush()
}
