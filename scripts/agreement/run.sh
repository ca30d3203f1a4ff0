#!/usr/bin/env bash
# The agreement study's runs (issue 20; docs/validation/agreement.md): every runnable entry of
# validation/entries/entries.json (unmodified AlgoPerf files, our ports, built-in submissions) on the
# `mini` suite under the self-tuning ruleset, STUDIES studies each, in two single-thread lanes.
# Resumable: each lane is one `trainperf bench` over its entries into $AGREEMENT_DIR/lane_<x>
# (default ~/.cache/trainperf/agreement); a rerun skips finished trials and resumes killed ones from
# their checkpoints, and a rerun with a larger STUDIES adds studies.
#   scripts/agreement/run.sh smoke          # every runnable entry, 20 steps on fmnist_mlp; a table of results
#   scripts/agreement/run.sh                # both lanes in the background, logs in $AGREEMENT_DIR
#   scripts/agreement/run.sh lane a         # one lane in the foreground
#   scripts/agreement/run.sh score          # trainperf score per round, by time and by steps
#   scripts/agreement/run.sh compare        # score, then scripts/agreement/compare.py -> docs/validation/
# First: scripts/agreement/fetch_entries.sh (the unmodified AlgoPerf files).
# STUDIES=K (default 1) studies per workload; ONLY="a,b" restricts to these entries.
# LOCK=FILE makes every trainperf run hold flock(FILE) (a machine shared with builds).
# TRAINPERF=PATH runs that binary instead of build/trainperf (a copy, so rebuilds cannot change it).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${AGREEMENT_DIR:-$HOME/.cache/trainperf/agreement}
ENTRIES_DIR=${TRAINPERF_ALGOPERF_DIR:-$HOME/.cache/trainperf/algoperf}/entries
STUDIES=${STUDIES:-1}
BIN=${TRAINPERF:-build/trainperf}
mkdir -p "$DIR"

tp() {  # trainperf, under $LOCK if given
  if [ -n "${LOCK:-}" ]; then flock "$LOCK" "$BIN" "$@"; else "$BIN" "$@"; fi
}

# entries <lane a|b|all> [round]: the --submissions argument of the runnable entries (lane: every
# other one, in entries.json order; round: only that round's), one per line.
entries() {
  python3 - "$1" "${2:-}" "$ENTRIES_DIR" "${ONLY:-}" <<'PY'
import json, os, sys
lane, round_, entries_dir, only = sys.argv[1:5]
path = 'validation/entries/entries.json'
try:
  data = json.load(open(path))
except (OSError, ValueError) as e:
  sys.exit(f'{path}: {e}')
runnable = [e for e in data['entries'] if e['run'] in ('algoperf-file', 'port', 'cpp')]
if only:
  names = only.split(',')
  unknown = sorted(set(names) - {e['name'] for e in runnable})
  if unknown:
    sys.exit(f'ONLY names {unknown}: not runnable entries of {path}')
  runnable = [e for e in runnable if e['name'] in names]
for i, e in enumerate(runnable):
  if lane != 'all' and 'ab'[i % 2] != lane:
    continue
  if round_ and e['round'] != round_:
    continue
  if e['run'] == 'algoperf-file':
    file = os.path.join(entries_dir, e['name'], 'submission.py')
    if not os.path.isfile(file):
      sys.exit(f'{file} is missing: run scripts/agreement/fetch_entries.sh first')
    print(file)
  elif e['run'] == 'port':
    print(e['port'])
  else:
    print(e['submission'])
PY
}

lane() {  # lane a|b
  local list; list="$(entries "$1" | paste -sd,)"
  [ -n "$list" ] || return 0
  echo "$(date +%FT%T) lane $1: $list, $STUDIES studies"
  tp bench --suite mini --submissions "$list" --ruleset self --studies "$STUDIES" --threads 1 \
    --experiment-dir "$DIR/lane_$1" --checkpoint-every-min 10
  echo "$(date +%FT%T) lane $1 done"
}

score() {  # per round (its entries scored among themselves, as AlgoPerf scored them) and clock
  local round slug axis folders
  for round in "v0.5 self-tuning" "2026 A100 self-tuning"; do
    slug=$(echo "$round" | tr ' .' '__')
    folders=()
    while read -r sub; do
      [ -n "$sub" ] || continue
      local name; name=$(basename "$sub" .py); [ "$name" = submission ] && name=$(basename "$(dirname "$sub")")
      for lane_dir in "$DIR"/lane_a "$DIR"/lane_b; do
        [ -d "$lane_dir/$name" ] && folders+=("$lane_dir/$name")
      done
    done < <(entries all "$round")
    if [ ${#folders[@]} -eq 0 ]; then echo "$round: no runs yet under $DIR" >&2; continue; fi
    for axis in time steps; do
      tp score "${folders[@]}" --ruleset self --by "$axis" --out "$DIR/scores/${slug}_$axis" > "$DIR/scores_${slug}_$axis.txt"
      echo "$round by $axis: $DIR/scores/${slug}_$axis (${#folders[@]} entries)"
    done
  done
}

smoke() {  # every runnable entry, 20 steps on fmnist_mlp, one thread, its 34 s budget (5 ms reference step);
          # prints entry, status, steps, submission seconds, last train loss, validation accuracy
  local list; list="$(entries all | paste -sd,)"
  rm -rf "$DIR/smoke"
  tp bench --workloads fmnist_mlp --submissions "$list" --ruleset self --max-steps 20 --threads 1 \
    --reference-step-s 0.005 --checkpoint-every-min 0 --experiment-dir "$DIR/smoke" > "$DIR/smoke.log" 2>&1 || true
  python3 - "$DIR/smoke" <<'PY'
import csv, glob, json, os, sys
root = sys.argv[1]
bad = 0
print(f'{"entry":34} {"status":17} {"steps":>5} {"submission s":>12} {"train loss":>10} {"val accuracy":>12}')
for sub in sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and d != 'scores'):
  results = glob.glob(os.path.join(root, sub, 'study_0', '*', 'trial_1', 'trial_result.json'))
  if not results:
    print(f'{sub:34} no trial_result.json'); bad += 1; continue
  r = json.load(open(results[0]))
  rows = list(csv.DictReader(open(os.path.join(os.path.dirname(results[0]), 'eval_measurements.csv'))))
  last = rows[-1] if rows else {}
  loss, acc = last.get('train/loss', ''), last.get('validation/accuracy', '')
  status = r.get('status', '?')
  ok = status not in ('failed', 'diverged', '?')  # budget_exhausted runs: the entry spent the budget
  bad += not ok
  loss = f'{float(loss):.4f}' if loss not in ('', 'nan') else loss
  print(f'{sub:34} {status:17} {r.get("global_step", 0):>5} {r.get("submission_time", 0):>12.2f} {loss:>10} {acc:>12}'
        + ('' if ok else f'  FAILED: {r.get("error", r.get("message", ""))}'))
sys.exit(1 if bad else 0)
PY
}

case "${1:-}" in
  smoke) smoke ;;
  lane) lane "$2" ;;
  score) score ;;
  compare) score; python3 scripts/agreement/compare.py --experiment "$DIR" ${TRAINPERF:+--trainperf "$TRAINPERF"} ;;
  "")
    "$0" lane a > "$DIR/lane_a.log" 2>&1 &
    "$0" lane b > "$DIR/lane_b.log" 2>&1 &
    echo "two lanes started; logs: $DIR/lane_a.log, $DIR/lane_b.log (rerun this command to resume)"
    wait ;;
  *) echo "usage: $0 [smoke | lane a|b | score | compare]" >&2; exit 2 ;;
esac
