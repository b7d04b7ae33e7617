#!/usr/bin/env bash
# End-to-end import benchmark: generate N synthetic Kaggle-format lines, then time
# `paperboy import` on them (throughput and peak RSS via /usr/bin/time -v), RUNS times.
# Usage: scripts/bench-import.sh [N] [RUNS]   (default 100000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags sqlite_fts5 -o "$work/paperboy" ./cmd/paperboy
go run ./internal/synth/synthgen -n "$N" > "$work/corpus.jsonl"
echo "corpus: $N lines, $(du -h "$work/corpus.jsonl" | cut -f1)"
for i in $(seq "$RUNS"); do
  rm -f "$work"/p.db*
  /usr/bin/time -v "$work/paperboy" import --db "$work/p.db" "$work/corpus.jsonl" 2> "$work/time.txt" > "$work/out.txt"
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$work/time.txt")
  rate=$(awk -v n="$N" -v s="$secs" 'BEGIN {printf "%d", n/s}')
  echo "run $i: $(cat "$work/out.txt") | ${secs}s | ${rate} papers/s | peak RSS ${rss} MB | db $(du -h "$work/p.db" | cut -f1)"
done
