#!/usr/bin/env python3
"""scripts/agreement/compare.py: its rank correlations against scipy (an independent implementation)
and hand-computed values, and the whole comparison on a fixture experiment tree this test writes
(three entries x three studies on fmnist_resnet, scored by the real `trainperf score`).

  python3 tests/agreement/compare_test.py TRAINPERF        (ctest: agreement_compare; exit 1 on a failure)
"""
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'scripts', 'agreement'))
import compare  # noqa: E402
from scipy import stats  # noqa: E402

failures = []


def check(condition, message):
  print(('ok   ' if condition else 'FAIL ') + message)
  if not condition:
    failures.append(message)


def close(a, b, tol=1e-12):
  return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


def correlations():
  # By hand. x = 1 2 3 4, y = 1 3 2 4: 5 concordant pairs, 1 discordant -> tau 4/6; d^2 = 0 1 1 0 ->
  # rho 1 - 6 * 2 / (4 * 15) = 0.8.
  check(close(compare.kendall_tau_b([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6), 'tau by hand, no ties: 2/3')
  check(close(compare.spearman_rho([1, 2, 3, 4], [1, 3, 2, 4]), 0.8), 'rho by hand, no ties: 0.8')
  # Ties: x = 1 2 2 3, y = 1 2 3 3. Pair signs: (12)+ (13)+ (14)+ (23)0 (24)+ (34)0 -> 4; untied in x
  # 5 pairs, in y 5 -> tau-b 4/5. Average ranks 1 2.5 2.5 4 and 1 2 3.5 3.5, deviations from 2.5
  # -1.5 0 0 1.5 and -1.5 -0.5 1 1: rho = 3.75 / sqrt(4.5 * 4.5) = 5/6.
  check(close(compare.kendall_tau_b([1, 2, 2, 3], [1, 2, 3, 3]), 0.8), 'tau-b by hand, ties: 4/5')
  check(close(compare.spearman_rho([1, 2, 2, 3], [1, 2, 3, 3]), 5 / 6), 'rho by hand, ties: 5/6')
  check(close(compare.kendall_tau_b([3, 2, 1], [1, 2, 3]), -1.0), 'tau of a reversed order: -1')
  check(math.isnan(compare.kendall_tau_b([1, 1, 1], [1, 2, 3])), 'tau with one side all ties: nan')
  inf = math.inf
  # Pairs (12)+ (13)+ (23) tied in x: 2 / sqrt(2 * 3).
  check(close(compare.kendall_tau_b([1, inf, inf], [1, 2, 3]), 2 / math.sqrt(6)),
        'tau-b with two infinities tied: 2 / sqrt(6)')
  # Against scipy on random vectors with many ties.
  rng = random.Random(7)
  worst_tau = worst_rho = 0.0
  for _ in range(300):
    n = rng.randint(3, 17)
    x = [rng.randint(0, 5) for _ in range(n)]
    y = [rng.choice([rng.random(), rng.randint(0, 3)]) for _ in range(n)]
    if len(set(x)) < 2 or len(set(y)) < 2:
      continue
    worst_tau = max(worst_tau, abs(compare.kendall_tau_b(x, y) - stats.kendalltau(x, y).statistic))
    worst_rho = max(worst_rho, abs(compare.spearman_rho(x, y) - stats.spearmanr(x, y).statistic))
  check(worst_tau < 1e-12, f'tau-b equals scipy.stats.kendalltau on 300 random cases (worst {worst_tau:.2g})')
  check(worst_rho < 1e-12, f'rho equals scipy.stats.spearmanr on 300 random cases (worst {worst_rho:.2g})')
  import numpy as np
  v = [rng.random() for _ in range(37)]
  lo, hi = compare.percentile_interval(v)
  check(close(lo, np.percentile(v, 2.5)) and close(hi, np.percentile(v, 97.5)),
        'percentile_interval equals numpy.percentile(..., [2.5, 97.5])')


def write_trial(folder, reach_time):
  """One trial on fmnist_resnet that reaches every accuracy target at `reach_time` seconds."""
  os.makedirs(folder)
  with open(os.path.join(folder, 'eval_measurements.csv'), 'w') as f:
    f.write('global_step,score,validation/accuracy,validation/loss\n')
    f.write(f'10,{reach_time / 2},0.1,2.3\n')
    f.write(f'20,{reach_time},0.999,0.01\n')


def fixture(tmp, times):
  """times: {entry: [reach time per study]} -> an experiment tree, its scores, and an entries.json."""
  exp = os.path.join(tmp, 'exp')
  for name, per_study in times.items():
    for k, t in enumerate(per_study):
      write_trial(os.path.join(exp, 'lane_a', name, f'study_{k}', 'fmnist_resnet', 'trial_1'), t)
  entries = {'entries': [
      {'name': n, 'round': '2026 A100 self-tuning', 'algoperf_score': s, 'run': 'port',
       'algoperf_source': {'round': '2026 A100 self-tuning', 'file': 'results/scores.csv', 'commit': 'f' * 40}}
      for n, s in (('fast', 0.6), ('middle', 0.4), ('slow', 0.2), ('never_run', 0.1))]}
  path = os.path.join(tmp, 'entries.json')
  with open(path, 'w') as f:
    json.dump(entries, f)
  with open(os.path.join(tmp, 'algoperf_times.csv'), 'w') as f:
    f.write('submission,imagenet_resnet,wmt\nfast,100,inf\nmiddle,200,50\nslow,150,60\nnever_run,1,1\n')
  return exp, path


def score(trainperf, exp):
  folders = [os.path.join(exp, 'lane_a', n) for n in sorted(os.listdir(os.path.join(exp, 'lane_a')))]
  for axis in ('time', 'steps'):
    out = os.path.join(exp, 'scores', f'2026_A100_self-tuning_{axis}')
    subprocess.run([trainperf, 'score', *folders, '--ruleset', 'self', '--by', axis, '--out', out],
                   check=True, capture_output=True)


def run_compare(trainperf, tmp, exp, entries):
  out = os.path.join(tmp, 'out')
  rc = compare.main(['--experiment', exp, '--entries', entries, '--trainperf', trainperf, '--replicates', '40',
                     '--algoperf-times', os.path.join(tmp, 'algoperf_times.csv'), '--out-dir', out])
  check(rc == 0, 'compare.py exits 0 on the fixture')
  read = lambda name: list(csv.DictReader(open(os.path.join(out, name))))
  return read('algoperf_agreement.csv'), read('algoperf_agreement_summary.csv'), read('algoperf_agreement_workloads.csv')


def end_to_end(trainperf):
  with tempfile.TemporaryDirectory() as tmp:
    # Agreeing in every study: fast < middle < slow in time, as AlgoPerf's scores order them.
    exp, entries = fixture(tmp, {'fast': [10, 11, 12], 'middle': [20, 21, 19], 'slow': [30, 29, 31]})
    score(trainperf, exp)
    table, summary, workloads = run_compare(trainperf, tmp, exp, entries)
    check([r['submission'] for r in table] == ['fast', 'middle', 'slow', 'never_run'],
          'one table row per entry of entries.json, in its order')
    check(list(table[0]) == ['submission', 'ruleset', 'trainperf_score', 'trainperf_ci_low', 'trainperf_ci_high',
                             'algoperf_score', 'algoperf_source'], 'the table has the issue\'s columns')
    check(table[3]['trainperf_score'] == '' and table[3]['algoperf_score'] == '0.1',
          'an entry without runs has AlgoPerf\'s score and no trainperf score')
    ours = [float(r['trainperf_score']) for r in table[:3]]
    check(ours[0] > ours[1] > ours[2], f'trainperf scores follow the times ({ours})')
    check(all(r['trainperf_ci_low'] != '' for r in table[:3]), 'trainperf\'s intervals over studies are copied')
    by = {r['axis']: r for r in summary if r['round'] == '2026 A100 self-tuning'}
    check(by['time']['kendall_tau'] == '1.0' and by['time']['spearman_rho'] == '1.0', 'same order: tau = rho = 1')
    check(by['time']['tau_ci_low'] == '1.0' and by['time']['tau_ci_high'] == '1.0' and by['time']['replicates'] == '40',
          'same order in every study: the interval is [1, 1] over 40 replicates')
    check(by['steps']['kendall_tau'] == '' and 'tied' in by['steps']['note'],
          'by steps every entry reaches at step 20: tied scores, tau undefined')
    w = {r['workload']: r for r in workloads}
    # fmnist_resnet: ours fast < middle < slow; AlgoPerf's imagenet_resnet 100, 200, 150 -> 2 of 3 pairs
    # concordant: tau 1/3, rho 0.5. bible_translate: no runs of ours -> no entries.
    check(w['fmnist_resnet']['entries'] == '3' and close(float(w['fmnist_resnet']['kendall_tau']), 1 / 3, 1e-6)
          and close(float(w['fmnist_resnet']['spearman_rho']), 0.5, 1e-6),
          'per workload: fmnist_resnet ~ imagenet_resnet tau 1/3, rho 1/2 by hand')
    check(w['bible_translate']['entries'] == '0', 'per workload: a workload without runs has no entries')

  with tempfile.TemporaryDirectory() as tmp:
    # One study in three reverses fast and slow: the point estimate (medians) still agrees, the interval
    # must reach below 1.
    exp, entries = fixture(tmp, {'fast': [10, 11, 40], 'middle': [20, 21, 19], 'slow': [30, 29, 5]})
    score(trainperf, exp)
    _, summary, _ = run_compare(trainperf, tmp, exp, entries)
    t = next(r for r in summary if r['axis'] == 'time' and r['round'] == '2026 A100 self-tuning')
    check(t['kendall_tau'] == '1.0' and float(t['tau_ci_low']) < 1.0,
          f'a disagreeing study widens the interval: tau {t["kendall_tau"]} [{t["tau_ci_low"]}, {t["tau_ci_high"]}]')

  with tempfile.TemporaryDirectory() as tmp:
    bad = os.path.join(tmp, 'entries.json')
    with open(bad, 'w') as f:
      f.write('{"entries": [{"name": "x"}]}')
    os.makedirs(os.path.join(tmp, 'exp'))
    rc = compare.main(['--experiment', os.path.join(tmp, 'exp'), '--entries', bad, '--out-dir', tmp])
    check(rc == 1, 'an entries.json entry without its fields is refused (exit 1, message names the file)')


def entries_match_the_leaderboards():
  """validation/entries/entries.json against the published scores, where the mirror is here."""
  mirror = compare.DEFAULT_MIRROR
  show = lambda ref: subprocess.run(['git', '--git-dir', mirror, 'show', ref], capture_output=True, text=True)
  if show('HEAD').returncode != 0:
    print(f'skip entries.json vs the leaderboards: no mirror at {mirror}')
    return
  entries = compare.load_entries(os.path.join(ROOT, 'validation', 'entries', 'entries.json'))
  names = [e['name'] for e in entries]
  check(len(names) == len(set(names)), 'entries.json names are unique')
  by_entry = {e['entry']: e for e in entries if e['round'] == '2026 A100 self-tuning'}
  published = list(csv.DictReader(show('46e69f1b070e0995332e351cf4b8b3e09651c2bb:results/scores.csv').stdout.splitlines()))
  check(len(published) == 17 and sorted(r['submission'] for r in published) == sorted(by_entry),
        'entries.json has exactly the 17 entries of the 2026 round\'s results/scores.csv')
  check(all(by_entry[r['submission']]['algoperf_score'] == float(r['score']) for r in published),
        '2026 scores in entries.json equal results/scores.csv\'s')
  readme = show('12c8e4ea93dc41a1ff6abc3debba9accd8ac1e3a:previous_leaderboards/algoperf_v05/README.md').stdout
  self_tuning = readme[readme.index('BEGIN SELF-TUNING LEADERBOARD'):readme.index('END SELF-TUNING LEADERBOARD')]
  v05 = [e for e in entries if e['round'] == 'v0.5 self-tuning']
  check(len(v05) == 6 and all(f'submissions/self_tuning/{e["entry"]}/' in self_tuning
                              and f'**{e["algoperf_score"]:.4f}**' in self_tuning for e in v05),
        'the 6 v0.5 entries and their scores are those of the v0.5 README\'s self-tuning table')


if __name__ == '__main__':
  if len(sys.argv) != 2:
    sys.exit('usage: compare_test.py TRAINPERF')
  correlations()
  entries_match_the_leaderboards()
  end_to_end(sys.argv[1])
  if failures:
    print(f'{len(failures)} failure(s)')
    sys.exit(1)
  print('all checks passed')
