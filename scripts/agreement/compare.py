#!/usr/bin/env python3
"""Does the mini suite rank AlgoPerf's self-tuning entries as AlgoPerf did? (issue 20,
docs/validation/agreement.md). Recomputes the comparison from the experiment tree that
scripts/agreement/run.sh writes, so that anyone can redo it:

  <experiment>/lane_a/<entry>/study_<k>/..., <experiment>/lane_b/...   the runs (trainperf bench)
  <experiment>/scores/<round>_<axis>/scores.csv, time_to_targets.csv   `run.sh score` (trainperf score
      --ruleset self --by time|steps over one round's entries: each round's entries are scored among
      themselves, as AlgoPerf scored them)

and validation/entries/entries.json (each entry's AlgoPerf score and source). Writes
  docs/validation/algoperf_agreement.csv           one row per entry: trainperf's score by time with its
                                                   95% interval over studies, AlgoPerf's score and source
  docs/validation/algoperf_agreement_summary.csv   per round and clock: Kendall tau-b and Spearman rho
                                                   between the two scores, with percentile-bootstrap
                                                   intervals over trainperf's studies
  docs/validation/algoperf_agreement_workloads.csv per round and base workload with an AlgoPerf analog:
                                                   tau and rho between our time to target and AlgoPerf's
                                                   on the analog (2026 round: results/time_to_targets.csv)
and prints the same. The bootstrap redraws every entry's studies with replacement (numpy's generator,
--seed), lays the drawn studies out as a tree of links and scores it with `trainperf score --bootstrap 0`,
so a replicate is scored by trainperf's own rules; with fewer than two studies of any entry there is no
interval (as `trainperf score` says). tau is tau-b (ties in either ranking count for neither side,
scipy.stats.kendalltau's default); rho is Pearson's correlation of average ranks.

  python3 scripts/agreement/compare.py --experiment ~/.cache/trainperf/agreement [--trainperf build/trainperf]
      [--replicates 200] [--seed 20261208] [--mirror GITDIR] [--out-dir docs/validation]
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_MIRROR = '/work/.mirror/mlcommons+submissions_algorithms/repo'
ROUNDS = ('v0.5 self-tuning', '2026 A100 self-tuning')
AXES = ('time', 'steps')
# Our base workloads and the AlgoPerf workloads they stand in for (src/python/algoperf_analogs.cpp,
# docs/python-submissions.md); fmnist_mlp's analog, mnist, is not a scored AlgoPerf workload.
ANALOGS = {
    'fmnist_resnet': 'imagenet_resnet', 'fmnist_vit': 'imagenet_vit', 'austen_lm': 'finewebedu_lm',
    'bible_translate': 'wmt', 'ctr_dlrm': 'criteo1tb', 'molecules_gnn': 'ogbg', 'mri_unet': 'fastmri',
    'speech_conformer': 'librispeech_conformer', 'speech_lstm': 'librispeech_deepspeech',
}
# Per-workload AlgoPerf times: where each round keeps them (None: not published as a table).
ALGOPERF_TIMES = {'2026 A100 self-tuning': ('46e69f1b070e0995332e351cf4b8b3e09651c2bb', 'results/time_to_targets.csv'),
                  'v0.5 self-tuning': None}


class InputError(Exception):
  pass


def slug(round_):
  return round_.replace(' ', '_').replace('.', '_')


# ---------------------------------------------------------------------------------------------
# Rank correlations (our own; tests/agreement checks them against scipy and by hand).


def _sign(v):
  return (v > 0) - (v < 0)


def kendall_tau_b(x, y):
  """Kendall's tau-b: sum over pairs of sign(dx) sign(dy) / sqrt(#pairs untied in x * #untied in y).
  Infinities compare as equal to each other and above every number. nan if either side is all ties."""
  if len(x) != len(y):
    raise ValueError('kendall_tau_b: x and y differ in length')
  s = nx = ny = 0
  for i in range(len(x)):
    for j in range(i + 1, len(x)):
      dx = _sign((x[i] > x[j]) - (x[i] < x[j]))
      dy = _sign((y[i] > y[j]) - (y[i] < y[j]))
      s += dx * dy
      nx += dx != 0
      ny += dy != 0
  return s / math.sqrt(nx * ny) if nx and ny else math.nan


def average_ranks(v):
  """1-based ranks, ties sharing their average rank."""
  order = sorted(range(len(v)), key=lambda i: v[i])
  ranks = [0.0] * len(v)
  i = 0
  while i < len(order):
    j = i
    while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
      j += 1
    for k in range(i, j + 1):
      ranks[order[k]] = (i + j) / 2 + 1
    i = j + 1
  return ranks


def spearman_rho(x, y):
  """Spearman's rho: Pearson's correlation of the average ranks. nan if either side is all ties."""
  if len(x) != len(y):
    raise ValueError('spearman_rho: x and y differ in length')
  rx, ry = average_ranks(x), average_ranks(y)
  n = len(x)
  if n < 2:
    return math.nan
  mx, my = sum(rx) / n, sum(ry) / n
  sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
  sxx = sum((a - mx) ** 2 for a in rx)
  syy = sum((b - my) ** 2 for b in ry)
  return sxy / math.sqrt(sxx * syy) if sxx and syy else math.nan


def percentile_interval(values):
  """numpy.percentile(values, [2.5, 97.5]) (linear), ignoring nan; (nan, nan) when nothing is left."""
  v = sorted(x for x in values if not math.isnan(x))
  if not v:
    return math.nan, math.nan
  out = []
  for q in (2.5, 97.5):
    h = (len(v) - 1) * q / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    out.append(v[lo] + (h - lo) * (v[hi] - v[lo]))
  return tuple(out)


# ---------------------------------------------------------------------------------------------
# Inputs.


def load_entries(path):
  try:
    with open(path) as f:
      data = json.load(f)
  except (OSError, ValueError) as e:
    raise InputError(f'{path}: {e}')
  entries = data.get('entries')
  if not isinstance(entries, list):
    raise InputError(f'{path}: no "entries" list')
  for i, e in enumerate(entries):
    for key in ('name', 'round', 'algoperf_score', 'algoperf_source', 'run'):
      if key not in e:
        raise InputError(f'{path}: entry {i} ({e.get("name", "?")}) has no "{key}"')
    if e['round'] not in ROUNDS:
      raise InputError(f'{path}: entry {e["name"]}: round "{e["round"]}" is not one of {ROUNDS}')
  return entries


def read_csv(path):
  try:
    with open(path, newline='') as f:
      return list(csv.DictReader(f))
  except OSError as e:
    raise InputError(f'{path}: {e}')


def number(text, path, what):
  if text in ('', None):
    return math.nan
  try:
    return float(text)
  except ValueError:
    raise InputError(f'{path}: {what} "{text}" is not a number')


def read_scores(path):
  """{submission: (score, ci_low, ci_high)} from a `trainperf score` scores.csv."""
  out = {}
  for row in read_csv(path):
    if 'submission' not in row or 'score' not in row:
      raise InputError(f'{path}: not a trainperf scores.csv (no submission/score column)')
    out[row['submission']] = (number(row['score'], path, 'score'),
                              number(row.get('score_ci_low'), path, 'score_ci_low'),
                              number(row.get('score_ci_high'), path, 'score_ci_high'))
  return out


def read_our_times(path):
  """{workload: {submission: time_to_target}} for the base workloads of a time_to_targets.csv."""
  out = {}
  for row in read_csv(path):
    if row.get('workload') in ANALOGS:
      out.setdefault(row['workload'], {})[row['submission']] = number(row['time_to_target'], path,
                                                                       'time_to_target')
  return out


def read_algoperf_times(round_, mirror, override):
  """{algoperf workload: {submission: seconds}}, or None where the round publishes no such table."""
  if override:
    rows = read_csv(override)
    source = override
  else:
    where = ALGOPERF_TIMES.get(round_)
    if where is None:
      return None
    commit, path = where
    try:
      text = subprocess.run(['git', '--git-dir', mirror, 'show', f'{commit}:{path}'], check=True,
                            capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
      print(f'compare.py: cannot read {path} at {commit[:8]} from {mirror} ({e}); no per-workload '
            f'agreement for {round_} (--mirror GITDIR)', file=sys.stderr)
      return None
    rows = list(csv.DictReader(text.splitlines()))
    source = f'{mirror}:{commit[:8]}:{path}'
  out = {}
  for row in rows:
    name = row.pop('submission', None)
    if name is None:
      raise InputError(f'{source}: no submission column')
    for w, v in row.items():
      out.setdefault(w, {})[name] = number(v, source, w)
  return out


def submission_folders(experiment, names):
  """{name: folder} for the entries that have runs under <experiment>/lane_*/ (or <experiment>/)."""
  out = {}
  bases = sorted(os.path.join(experiment, d) for d in os.listdir(experiment) if d.startswith('lane_'))
  bases.append(experiment)
  for name in names:
    for base in bases:
      folder = os.path.join(base, name)
      if os.path.isdir(folder) and any(d.startswith('study_') for d in os.listdir(folder)):
        out[name] = folder
        break
  return out


# ---------------------------------------------------------------------------------------------
# The bootstrap over trainperf's studies.


def studies(folder):
  found = [d for d in os.listdir(folder) if d.startswith('study_') and d[6:].isdigit()]
  return sorted(found, key=lambda d: int(d[6:]))


def bootstrap(trainperf, folders, axis, algoperf, replicates, seed):
  """[(tau, rho)] over `replicates` redraws of every entry's studies, each scored by trainperf."""
  import numpy as np
  names = sorted(folders)
  lists = {n: studies(folders[n]) for n in names}
  short = [n for n in names if len(lists[n]) < 2]
  if short:
    return None, f'no interval: {", ".join(short)} logged fewer than two studies'
  rng = np.random.default_rng(seed)
  out = []
  tmp = tempfile.mkdtemp(prefix='agreement-bootstrap-')
  try:
    for r in range(replicates):
      root = os.path.join(tmp, f'r{r}')
      for n in names:
        picks = rng.integers(0, len(lists[n]), len(lists[n]))
        os.makedirs(os.path.join(root, n))
        for k, p in enumerate(picks):
          os.symlink(os.path.join(os.path.abspath(folders[n]), lists[n][p]), os.path.join(root, n, f'study_{k}'))
      out_dir = os.path.join(root, 'out')
      cmd = [trainperf, 'score', *[os.path.join(root, n) for n in names], '--ruleset', 'self', '--by', axis,
             '--bootstrap', '0', '--out', out_dir]
      done = subprocess.run(cmd, capture_output=True, text=True)
      if done.returncode != 0:
        raise InputError(f'{" ".join(cmd)} failed: {done.stderr.strip()[-500:]}')
      scores = read_scores(os.path.join(out_dir, 'scores.csv'))
      ours = [scores[n][0] for n in names]
      theirs = [algoperf[n] for n in names]
      out.append((kendall_tau_b(ours, theirs), spearman_rho(ours, theirs)))
      shutil.rmtree(root)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)
  return out, None


# ---------------------------------------------------------------------------------------------


def fmt(v):
  return '' if v is None or (isinstance(v, float) and math.isnan(v)) else repr(round(v, 6))


def source_text(s):
  return f'{s["round"]}: {s["file"]} @ {s["commit"][:8]}'


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--experiment', required=True, help='the experiment tree run.sh writes')
  parser.add_argument('--entries', default=os.path.join(ROOT, 'validation', 'entries', 'entries.json'))
  parser.add_argument('--trainperf', default=os.path.join(ROOT, 'build', 'trainperf'),
                      help='the trainperf binary that scores the bootstrap replicates')
  parser.add_argument('--replicates', type=int, default=200, help='bootstrap replicates (0: none)')
  parser.add_argument('--seed', type=int, default=20261208)
  parser.add_argument('--mirror', default=DEFAULT_MIRROR, help='git dir of mlcommons/submissions_algorithms')
  parser.add_argument('--algoperf-times', help='a CSV (submission, then one column per AlgoPerf workload) '
                      'instead of the round\'s published time_to_targets.csv (tests)')
  parser.add_argument('--out-dir', default=os.path.join(ROOT, 'docs', 'validation'))
  args = parser.parse_args(argv)
  try:
    return run(args)
  except InputError as e:
    print(f'compare.py: {e}', file=sys.stderr)
    return 1


def run(args):
  entries = load_entries(args.entries)
  exp = args.experiment
  if not os.path.isdir(exp):
    raise InputError(f'{exp}: no such experiment folder (scripts/agreement/run.sh writes it)')
  table, summary, per_workload = [], [], []
  for round_ in ROUNDS:
    in_round = [e for e in entries if e['round'] == round_]
    scores = {}
    for axis in AXES:
      path = os.path.join(exp, 'scores', f'{slug(round_)}_{axis}', 'scores.csv')
      scores[axis] = read_scores(path) if os.path.exists(path) else {}
    for e in in_round:
      s = scores['time'].get(e['name'], (math.nan, math.nan, math.nan))
      table.append({'submission': e['name'], 'ruleset': 'self', 'trainperf_score': fmt(s[0]),
                    'trainperf_ci_low': fmt(s[1]), 'trainperf_ci_high': fmt(s[2]),
                    'algoperf_score': repr(float(e['algoperf_score'])),
                    'algoperf_source': source_text(e['algoperf_source'])})
    algoperf = {e['name']: float(e['algoperf_score']) for e in in_round}
    folders = submission_folders(exp, [e['name'] for e in in_round])
    for axis in AXES:
      scored = sorted(n for n in scores[axis] if n in algoperf)
      row = {'round': round_, 'axis': axis, 'entries': len(scored), 'kendall_tau': '', 'tau_ci_low': '',
             'tau_ci_high': '', 'spearman_rho': '', 'rho_ci_low': '', 'rho_ci_high': '', 'replicates': 0,
             'note': ''}
      if len(scored) < 2:
        row['note'] = 'fewer than two entries scored (not yet measured)'
        summary.append(row)
        continue
      ours = [scores[axis][n][0] for n in scored]
      theirs = [algoperf[n] for n in scored]
      row['kendall_tau'], row['spearman_rho'] = fmt(kendall_tau_b(ours, theirs)), fmt(spearman_rho(ours, theirs))
      if len(set(ours)) < 2:
        row['note'] = "tau and rho undefined: trainperf's scores are all tied"
      elif args.replicates > 0:
        reps, why = bootstrap(args.trainperf, {n: folders[n] for n in scored if n in folders}, axis,
                              algoperf, args.replicates, args.seed)
        if reps is None:
          row['note'] = why
        else:
          row['replicates'] = len(reps)
          row['tau_ci_low'], row['tau_ci_high'] = map(fmt, percentile_interval([t for t, _ in reps]))
          row['rho_ci_low'], row['rho_ci_high'] = map(fmt, percentile_interval([r for _, r in reps]))
      summary.append(row)
    times_path = os.path.join(exp, 'scores', f'{slug(round_)}_time', 'time_to_targets.csv')
    theirs_by_workload = read_algoperf_times(round_, args.mirror, args.algoperf_times) if os.path.exists(times_path) else None
    if theirs_by_workload is not None:
      ours_by_workload = read_our_times(times_path)
      for ours_w, theirs_w in sorted(ANALOGS.items()):
        a, b = ours_by_workload.get(ours_w, {}), theirs_by_workload.get(theirs_w, {})
        both = sorted(n for n in a if n in b)
        x, y = [a[n] for n in both], [b[n] for n in both]
        per_workload.append({'round': round_, 'workload': ours_w, 'algoperf_workload': theirs_w,
                             'entries': len(both),
                             'kendall_tau': fmt(kendall_tau_b(x, y)) if len(both) > 1 else '',
                             'spearman_rho': fmt(spearman_rho(x, y)) if len(both) > 1 else ''})

  os.makedirs(args.out_dir, exist_ok=True)
  outputs = (('algoperf_agreement.csv', table, ['submission', 'ruleset', 'trainperf_score', 'trainperf_ci_low',
                                                'trainperf_ci_high', 'algoperf_score', 'algoperf_source']),
             ('algoperf_agreement_summary.csv', summary, ['round', 'axis', 'entries', 'kendall_tau', 'tau_ci_low',
                                                          'tau_ci_high', 'spearman_rho', 'rho_ci_low',
                                                          'rho_ci_high', 'replicates', 'note']),
             ('algoperf_agreement_workloads.csv', per_workload, ['round', 'workload', 'algoperf_workload',
                                                                 'entries', 'kendall_tau', 'spearman_rho']))
  for name, rows, columns in outputs:
    with open(os.path.join(args.out_dir, name), 'w', newline='') as f:
      w = csv.DictWriter(f, fieldnames=columns, lineterminator='\n')
      w.writeheader()
      w.writerows(rows)
  for row in summary:
    ci = lambda lo, hi: f' [{row[lo]}, {row[hi]}]' if row[lo] != '' else ''
    print(f'{row["round"]:22} by {row["axis"]:5} n={row["entries"]:2}  tau {row["kendall_tau"] or "-"}'
          f'{ci("tau_ci_low", "tau_ci_high")}  rho {row["spearman_rho"] or "-"}{ci("rho_ci_low", "rho_ci_high")}'
          f'  {row["note"]}')
  for row in per_workload:
    print(f'{row["round"]:22} {row["workload"]:17} ~ {row["algoperf_workload"]:23} n={row["entries"]:2}  '
          f'tau {row["kendall_tau"] or "-"}  rho {row["spearman_rho"] or "-"}')
  print(f'wrote {", ".join(os.path.join(args.out_dir, n) for n, _, _ in outputs)}')
  return 0


if __name__ == '__main__':
  sys.exit(main())
