#!/usr/bin/env bash
# End-to-end import benchmark: generate N synthetic Kaggle-format lines, then time
# `paperboy import` on them (throughput and peak RSS via /usr/bin/time -v), RUNS times.
# Each run is paired with the baseline of issue 2, measured right after it on the same
# machine: a plain row-by-row FTS5 insert of the same N papers (BenchmarkUpsert/
# baseline_prepared_fts5 in store/bench_test.go: prepared statements, 5000 per
# transaction, SQLite's porter tokenizer; generating the papers is not timed, parsing
# JSON is not done at all, so the baseline is favoured). The machine's speed drifts with
# other tenants, so the ratio of a pair says more than either figure alone.
# Usage: scripts/bench-import.sh [N] [RUNS]   (default 100000 3; BASELINE=0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${2:-3}
BASELINE=${BASELINE:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags sqlite_fts5 -o "$work/paperboy" ./cmd/paperboy
if [ "$BASELINE" != 0 ]; then
  go test -tags sqlite_fts5 -c -o "$work/store.test" ./store
fi
go run ./internal/synth/synthgen -n "$N" > "$work/corpus.jsonl"
echo "corpus: $N lines, $(du -h "$work/corpus.jsonl" | cut -f1); $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
rates=() ratios=()
for i in $(seq "$RUNS"); do
  rm -f "$work"/p.db*
  /usr/bin/time -v "$work/paperboy" import --db "$work/p.db" "$work/corpus.jsonl" 2> "$work/time.txt" > "$work/out.txt"
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$work/time.txt")
  rate=$(awk -v n="$N" -v s="$secs" 'BEGIN {printf "%d", n/s}')
  rates+=("$rate")
  line="run $i: $(cat "$work/out.txt") | ${secs}s | ${rate} papers/s | peak RSS ${rss} MB | db $(du -h "$work/p.db" | cut -f1)"
  if [ "$BASELINE" != 0 ]; then
    base=$(cd store && PAPERBOY_BENCH_PAPERS="$N" TMPDIR="$work" "$work/store.test" -test.run '^$' \
      -test.bench '^BenchmarkUpsert/baseline_prepared_fts5$' -test.benchtime 1x \
      | awk '/papers\/s/ {for (j=1;j<=NF;j++) if ($j=="papers/s") printf "%d", $(j-1)}')
    ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN {printf "%.2f", a/b}')
    ratios+=("$ratio")
    line="$line | baseline ${base} papers/s | ${ratio}x"
  fi
  echo "$line"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median: $(median "${rates[@]}") papers/s$([ "$BASELINE" != 0 ] && echo ", $(median "${ratios[@]}")x the baseline")"
