#!/usr/bin/env bash
# Scores AlgoPerf's 2026 self-tuning round on 4xA100 (17 submissions, 9 workloads) from its own
# published logs and targets file with `trainperf score`, and compares every score with the published
# results/scores.csv (tolerance 1e-4). The logs (~85 MB) are fetched, never committed: they come from
# the a100_scoring branch of github.com/mlcommons/submissions_algorithms at a pinned commit.
# Usage: scripts/check_published_scores.sh [--from-mirror GITDIR] [--trainperf PATH] [--keep DIR]
#   GITDIR: an existing clone of mlcommons/submissions_algorithms holding the commit (default: clone)
#   --keep DIR: unpack into DIR and keep it (default: a temporary folder, removed at exit)
# Exit status 0 when every published score is reproduced, 1 otherwise.
set -euo pipefail
COMMIT=ec137231ae404830c3e5e4491d17f40b63e0a1c4  # a100_scoring, 2026-06-26
trainperf="$(cd "$(dirname "$0")/.." && pwd)/build/trainperf"
git_dir="" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from-mirror) git_dir="$2"; shift 2 ;;
    --trainperf) trainperf="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) echo "check_published_scores.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$trainperf" ] || { echo "check_published_scores.sh: no trainperf at $trainperf (make build)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$git_dir" ]; then
  git clone -q --filter=blob:none --no-checkout --branch a100_scoring \
    https://github.com/mlcommons/submissions_algorithms.git "$work/repo"
  git_dir="$work/repo/.git"
fi
tree="${keep:-$work/tree}"
mkdir -p "$tree"
git --git-dir="$git_dir" archive "$COMMIT" logs/self_tuning scoring/workload_targets.json results/scores.csv |
  tar -x -C "$tree"
"$trainperf" score "$tree/logs/self_tuning" --targets "$tree/scoring/workload_targets.json" --ruleset self \
  --out "$tree/trainperf_scores" > "$tree/trainperf_score.txt" 2>&1
python3 - "$tree/results/scores.csv" "$tree/trainperf_scores/scores.csv" <<'EOF'
import csv, sys
published = {r["submission"]: float(r["score"]) for r in csv.DictReader(open(sys.argv[1]))}
ours = {r["submission"]: float(r["score"]) for r in csv.DictReader(open(sys.argv[2]))}
bad = 0
print(f"{'submission':34s} {'published':>10s} {'trainperf':>10s} {'|diff|':>9s}")
for name in sorted(published, key=lambda n: -published[n]):
    mine = ours.get(name)
    diff = abs(mine - published[name]) if mine is not None else float("inf")
    bad += diff > 1e-4
    print(f"{name:34s} {published[name]:10.6f} {mine if mine is not None else float('nan'):10.6f} {diff:9.2e}")
extra = sorted(set(ours) - set(published))
if extra:
    print("scored but not published:", ", ".join(extra)); bad += 1
print(f"{len(published) - bad if bad <= len(published) else 0} of {len(published)} published scores reproduced to 1e-4")
sys.exit(1 if bad else 0)
EOF
