// Command synthgen writes a deterministic synthetic corpus as Kaggle arXiv snapshot JSONL
// to stdout, for import benchmarks: go run ./internal/synth/synthgen -n 1000000 > corpus.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/paperboy-bot/paperboy/internal/synth"
)

func main() {
	n := flag.Int("n", 100000, "number of papers")
	seed := flag.Uint64("seed", 1, "generator seed")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if err := (synth.Generator{Seed: *seed}).WriteKaggle(w, *n); err != nil {
		fmt.Fprintln(os.Stderr, "synthgen:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "synthgen:", err)
		os.Exit(1)
	}
}
