#!/usr/bin/env python3
"""Which AlgoPerf leaderboard PyTorch entries run on torch 1.13 (Debian 12's python3-torch), and why not.

For every PyTorch entry of the v0.5 leaderboard (external and self-tuning) and of the 2026 A100
self-tuning leaderboard in mlcommons/submissions_algorithms, and for AlgoPerf's NAdamW baseline, this
runs get_batch_size, init_optimizer_state, a few update_params steps, an evaluation's
prepare_for_eval and more steps on a tiny model, through trainperf's own bridge code
(python/trainperf_bridge.py's SubmissionRun, python/algoperf) with a pure-Python stand-in for the C++
half of the bridge (the `_trainperf` module: model_fn, loss_fn, the input queue). Each entry runs in a
child process twice: under /usr/bin/python3 with Debian's torch 1.13, and, as the control, under the
project venv's python with the torch trainperf links; an entry fails on 1.13 *because of 1.13* only
when the control passes.

The entries are read from git, not committed here: the mirror of submissions_algorithms (--mirror,
a git dir) at --ref, and the NAdamW baseline from $TRAINPERF_ALGOPERF_DIR (default
~/.cache/trainperf/algoperf, scripts/fetch_algoperf_submissions.sh).

  python3 scripts/check_entries_torch113.py [--mirror DIR] [--ref a100_scoring] [--markdown]

Debian: `apt-get install python3-torch` (1.13.1 for /usr/bin/python3; the venv is not touched).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON_DIR = os.path.join(ROOT, 'python')
DEFAULT_MIRROR = '/work/.mirror/mlcommons+submissions_algorithms/repo'
DEFAULT_REF = 'a100_scoring'
DEBIAN_PYTHON = '/usr/bin/python3'
VENV_PYTHON = os.path.expanduser('~/.cache/trainperf/venv/bin/python3')
LEADERBOARDS = (
    ('v0.5', 'previous_leaderboards/algoperf_v05/submissions/'),
    ('2026 A100 self-tuning', 'submissions/self_tuning/'),
)
STEPS = 6  # update_params calls; prepare_for_eval after the third
# The stand-in's step_hint, with a 1000 s budget and a 40 s eval period: entries that size their work
# from these (LAWA's start step, averaging interval and steps per call) start averaging within STEPS.
STEP_HINT = 220
JAX = re.compile(r'^\s*(import|from)\s+(jax|jaxlib|flax|optax|chex)\b', re.M)
TORCH = re.compile(r'^\s*(import|from)\s+torch\b', re.M)


# ---------------------------------------------------------------------------------------------
# The child: one entry under one interpreter.


class TinyModel:
  """Linear(8, 16) -> BatchNorm(16) -> ReLU -> Linear(16, 4), its tensors named as a module tree's."""

  def __init__(self, torch):
    g = torch.Generator().manual_seed(0)
    self.torch = torch
    self.params = [
        ('layer1.weight', torch.randn(16, 8, generator=g) * 0.3, 'weight'),
        ('layer1.bias', torch.zeros(16), 'bias'),
        ('norm.weight', torch.ones(16), 'norm_scale'),
        ('norm.bias', torch.zeros(16), 'norm_bias'),
        ('head.weight', torch.randn(4, 16, generator=g) * 0.3, 'weight'),
        ('head.bias', torch.zeros(4), 'bias'),
    ]
    for _, t, _ in self.params:
      t.requires_grad_(True)
    self.buffers = [('norm.running_mean', torch.zeros(16)), ('norm.running_var', torch.ones(16)),
                    ('norm.num_batches_tracked', torch.zeros((), dtype=torch.long))]
    self.data = torch.Generator().manual_seed(1)

  def forward(self, x, train, update_batch_norm):
    F = self.torch.nn.functional
    p = {n: t for n, t, _ in self.params}
    b = dict(self.buffers)
    h = F.linear(x, p['layer1.weight'], p['layer1.bias'])
    if train and not update_batch_norm:
      h = F.batch_norm(h, None, None, p['norm.weight'], p['norm.bias'], training=True)
    else:
      h = F.batch_norm(h, b['norm.running_mean'], b['norm.running_var'], p['norm.weight'], p['norm.bias'],
                       training=train)
    return F.linear(F.relu(h), p['head.weight'], p['head.bias'])

  def batch(self, size=32):
    torch = self.torch
    x = torch.randn(size, 8, generator=self.data)
    y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()
    return {'inputs': x, 'targets': y}


def stand_in_bridge(torch, model):
  """The `_trainperf` module (C++ in trainperf) over the tiny Python model."""
  m = types.ModuleType('_trainperf')

  class Handle:
    pass

  def model_fn(handle, batch, train, update_batch_norm):
    del handle
    return model.forward(batch['inputs'], train, update_batch_norm)

  def loss_fn(handle, label, logits, mask, label_smoothing):
    del handle
    per_example = torch.nn.functional.cross_entropy(logits, label, reduction='none',
                                                    label_smoothing=label_smoothing)
    if mask is not None:
      per_example = per_example * mask
      count = mask.sum()
    else:
      count = torch.tensor(float(label.shape[0]))
    return per_example.sum(), count, per_example

  def next_batch(handle):
    del handle
    return model.batch()

  def cpp_step(handle):
    raise RuntimeError('cpp_step: not in the stand-in')

  m.Handle, m.model_fn, m.loss_fn, m.next_batch, m.cpp_step = Handle, model_fn, loss_fn, next_batch, cpp_step
  return m


def where(error, entry_dir):
  """' (at file:line)' of the innermost frame of the entry's own files, else of the innermost frame."""
  import traceback  # pylint: disable=import-outside-toplevel
  frames = traceback.extract_tb(error.__traceback__)
  if not frames:
    return ''
  own = [f for f in frames if f.filename.startswith(entry_dir)]
  f = (own or frames)[-1]
  name = os.path.relpath(f.filename, entry_dir) if f.filename.startswith(entry_dir) else f.filename
  return f' (at {name}:{f.lineno})'


def run_child(entry_path, point_json, self_tuning):
  """Runs one entry; prints one JSON line {ok, stage, error, torch}."""
  result = {'ok': False, 'stage': 'import torch', 'error': '', 'torch': ''}

  def report():
    print('RESULT ' + json.dumps(result), flush=True)

  try:
    import torch  # pylint: disable=import-outside-toplevel
    result['torch'] = torch.__version__
    sys.path.insert(0, PYTHON_DIR)
    model = TinyModel(torch)
    sys.modules['_trainperf'] = stand_in_bridge(torch, model)
    result['stage'] = 'trainperf bridge'
    import trainperf_bridge  # pylint: disable=import-outside-toplevel
    result['stage'] = 'import the entry'
    module = trainperf_bridge.load_submission(entry_path)
    result['stage'] = 'get_batch_size'
    trainperf_bridge.batch_size(module, 'mnist')
    info = {
        'name': 'tiny', 'algoperf_name': 'mnist', 'loss_type': 'SOFTMAX_CROSS_ENTROPY',
        'target_metric_name': 'accuracy', 'maximize': True, 'validation_target_value': 0.9,
        'test_target_value': 0.9, 'step_hint': STEP_HINT, 'max_allowed_runtime_sec': 1000.0,
        'eval_period_time_sec': 40.0, 'num_train_examples': 1024, 'num_eval_train_examples': 256,
        'num_validation_examples': 256, 'num_test_examples': 256, 'eval_batch_size': 32,
    }
    params = [(n, t) for n, t, _ in model.params]
    kinds = [(n, k) for n, _, k in model.params]
    point = None if self_tuning else json.loads(point_json)
    run = trainperf_bridge.SubmissionRun(module, sys.modules['_trainperf'].Handle(), info, params, kinds,
                                         model.buffers, point, self_tuning)
    result['stage'] = 'init_optimizer_state'
    torch.manual_seed(0)
    run.init(7)
    before = [t.detach().clone() for _, t in params]
    for step in range(STEPS):
      result['stage'] = f'data_selection (step {step})'
      batch = run.select(step, 100 + step)
      result['stage'] = f'update_params (step {step})'
      train_state = {'accumulated_submission_time': 0.1 * step, 'max_runtime_s': 1000.0,
                     'last_eval_time': 0.0, 'validation_goal_reached': False, 'test_goal_reached': False,
                     'is_time_remaining': True, 'training_complete': False, 'global_step': step,
                     'num_evals': 1 if step > 2 else 0}
      loss, _ = run.update(batch, step, 100 + step, train_state)
      if loss is not None and not bool(torch.isfinite(loss)):
        raise FloatingPointError(f'non-finite loss {float(loss)} at step {step}')
      if step == 2:
        result['stage'] = 'prepare_for_eval'
        run.note_eval(step + 1, {'train/loss': 1.0, 'validation/loss': 1.0, 'validation/accuracy': 0.5})
        run.prepare(step + 1, 200)
    result['stage'] = 'check'
    if all(torch.equal(b, t.detach()) for b, (_, t) in zip(before, params)):
      raise AssertionError(f'no parameter changed in {STEPS} update_params calls')
    for n, t in params:
      if not bool(torch.isfinite(t).all()):
        raise FloatingPointError(f'{n} is not finite after {STEPS} steps')
    result['ok'] = True
    result['stage'] = 'done'
  except BaseException as e:  # pylint: disable=broad-except
    result['error'] = f'{type(e).__name__}: {str(e).strip()[:200]}' + where(e, os.path.dirname(entry_path))
  report()


# ---------------------------------------------------------------------------------------------
# The parent: the entries, their folders, the two interpreters.


def git(mirror, *args):
  return subprocess.run(['git', '--git-dir', mirror, *args], check=True, capture_output=True,
                        text=True).stdout


def entries(mirror, ref):
  """[(leaderboard, name, folder in the repo)] of the PyTorch entries (submission.py not importing JAX)."""
  found = []
  files = git(mirror, 'ls-tree', '-r', '--name-only', ref).splitlines()
  for board, prefix in LEADERBOARDS:
    for f in sorted(files):
      if not (f.startswith(prefix) and f.endswith('/submission.py')):
        continue
      text = git(mirror, 'show', f'{ref}:{f}')
      if JAX.search(text) or not TORCH.search(text):
        continue
      folder = f[:-len('/submission.py')]
      found.append((board, folder[len(prefix):], folder))
  return found


def place(mirror, ref, folder, dest):
  """Writes the entry's folder from git into dest, and again wherever the submission imports its own
  modules through a package path (`from submissions.<...>.shampoo_submission.optimizers... import`,
  `from submissions_algorithms.submissions.self_tuning.<name>.muon import`): the layout its authors
  ran it from. Returns the submission.py path and the import paths that were laid out."""
  def write_tree(target):
    for f in git(mirror, 'ls-tree', '-r', '--name-only', ref, folder + '/').splitlines():
      out = os.path.join(target, f[len(folder) + 1:])
      os.makedirs(os.path.dirname(out), exist_ok=True)
      with open(out, 'wb') as fh:
        fh.write(subprocess.run(['git', '--git-dir', mirror, 'show', f'{ref}:{f}'], check=True,
                                capture_output=True).stdout)

  entry_dir = os.path.join(dest, 'entry')
  write_tree(entry_dir)
  submission = os.path.join(entry_dir, 'submission.py')
  with open(submission, encoding='utf-8') as fh:
    text = fh.read()
  name = os.path.basename(folder)
  local = {os.path.splitext(p)[0] for p in os.listdir(entry_dir)}
  laid_out = []
  for dotted in re.findall(r'^\s*from\s+([\w.]+)\s+import', text, re.M):
    parts = dotted.split('.')
    if name in parts:  # ...<entry folder>.optimizers.x: the folder sits at the prefix
      package = parts[:parts.index(name) + 1]
    elif len(parts) > 1 and parts[-1] in local:  # ...<another name>.muon: muon.py is the entry's
      package = parts[:-1]
    else:
      continue
    target = os.path.join(dest, 'pkgroot', *package)
    if not os.path.isdir(target):
      write_tree(target)
      laid_out.append('.'.join(package))
  return submission, laid_out


def first_point(mirror, ref, folder, fallback):
  space = None
  try:
    space = json.loads(git(mirror, 'show', f'{ref}:{folder}/tuning_search_space.json'))
  except subprocess.CalledProcessError:
    pass
  if space is None and fallback and os.path.isfile(fallback):
    with open(fallback, encoding='utf-8') as fh:
      space = json.load(fh)
  if isinstance(space, list) and space:
    return space[0]
  if isinstance(space, dict):  # ranges: each key's min or first feasible point
    return {k: (v['feasible_points'][0] if 'feasible_points' in v else v['min']) for k, v in space.items()}
  return None


def run_entry(python, submission, pkgroot, point, self_tuning, timeout=300):
  env = dict(os.environ)
  env.pop('PYTHONPATH', None)
  env['PYTHONPATH'] = pkgroot
  env['OMP_NUM_THREADS'] = '1'
  env['CUDA_VISIBLE_DEVICES'] = ''
  cmd = [python, os.path.abspath(__file__), '--child', submission, json.dumps(point),
         '1' if self_tuning else '0']
  try:
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
  except subprocess.TimeoutExpired:
    return {'ok': False, 'stage': 'timeout', 'error': f'no result in {timeout} s', 'torch': ''}
  for line in reversed(p.stdout.splitlines()):
    if line.startswith('RESULT '):
      return json.loads(line[len('RESULT '):])
  tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
  return {'ok': False, 'stage': 'crash', 'error': f'exit {p.returncode}: ' + ' | '.join(tail), 'torch': ''}


def main():
  if len(sys.argv) > 1 and sys.argv[1] == '--child':
    run_child(sys.argv[2], sys.argv[3], sys.argv[4] == '1')
    return 0
  ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
  ap.add_argument('--mirror', default=DEFAULT_MIRROR, help='git dir of mlcommons/submissions_algorithms')
  ap.add_argument('--ref', default=DEFAULT_REF, help='its branch or commit (default a100_scoring)')
  ap.add_argument('--algoperf-dir', default=os.environ.get('TRAINPERF_ALGOPERF_DIR',
                                                           os.path.expanduser('~/.cache/trainperf/algoperf')))
  ap.add_argument('--old-python', default=DEBIAN_PYTHON, help='the interpreter with torch 1.13')
  ap.add_argument('--control-python', default=VENV_PYTHON, help='the interpreter with trainperf\'s torch')
  ap.add_argument('--only', default='', help='run the entries whose name contains this')
  ap.add_argument('--markdown', action='store_true', help='print the table for docs/python-submissions.md')
  args = ap.parse_args()
  for python in (args.old_python, args.control_python):
    if not shutil.which(python):
      sys.exit(f'{python}: not found')
  if not os.path.isdir(args.mirror):
    sys.exit(f'{args.mirror}: no such git dir (a clone of mlcommons/submissions_algorithms; --mirror)')
  commit = git(args.mirror, 'rev-parse', args.ref).strip()
  todo = [(board, name, folder, 'self' in folder.split('/')[-2]) for board, name, folder in
          entries(args.mirror, commit)]
  baseline = os.path.join(args.algoperf_dir, 'nadamw_baseline', 'submission.py')
  rows = []
  with tempfile.TemporaryDirectory(prefix='trainperf_torch113_') as tmp:
    for board, name, folder, self_tuning in todo:
      if args.only and args.only not in name:
        continue
      dest = os.path.join(tmp, board.replace(' ', '_') + '_' + name.replace('/', '_'))
      submission, laid_out = place(args.mirror, commit, folder, dest)
      point = None if self_tuning else first_point(args.mirror, commit, folder, None)
      rows.append((board, name, laid_out, self_tuning,
                   run_entry(args.old_python, submission, os.path.join(dest, 'pkgroot'), point, self_tuning),
                   run_entry(args.control_python, submission, os.path.join(dest, 'pkgroot'), point, self_tuning)))
      print(f'{board:22} {name:45} 1.13: {rows[-1][4]["ok"]!s:5} control: {rows[-1][5]["ok"]!s:5} '
            f'{rows[-1][4]["error"][:80]}', file=sys.stderr, flush=True)
    if os.path.isfile(baseline) and (not args.only or args.only in 'nadamw_baseline'):
      point = first_point(args.mirror, commit, '-', os.path.join(os.path.dirname(baseline),
                                                                 'tuning_search_space.json'))
      rows.append(('AlgoPerf baseline', 'nadamw (external tuning)', [], False,
                   run_entry(args.old_python, baseline, tmp, point, False),
                   run_entry(args.control_python, baseline, tmp, point, False)))
  old = next((r[4]['torch'] for r in rows if r[4]['torch']), '?')
  new = next((r[5]['torch'] for r in rows if r[5]['torch']), '?')
  if args.markdown:
    print(f'Checked with scripts/check_entries_torch113.py: submissions_algorithms {args.ref} ({commit[:8]}), '
          f'torch {old} (Debian) against {new} (the control).\n')
    print(f'| leaderboard | entry | runs on torch {old}? | why not (torch {old}) | control (torch {new}) |')
    print('|---|---|---|---|---|')
    for board, name, laid_out, _, a, b in rows:
      why = '' if a['ok'] else f'{a["stage"]}: `{a["error"]}`'
      control = 'runs' if b['ok'] else f'fails too, {b["stage"]}: `{b["error"]}`'
      if laid_out:
        control += ' (modules laid out as ' + ', '.join(f'`{p}`' for p in laid_out) + ')'
      print(f'| {board} | {name} | {"yes" if a["ok"] else "no"} | {why.replace("|", "/")} | '
            f'{control.replace("|", "/")} |')
  else:
    json.dump([{'leaderboard': r[0], 'entry': r[1], 'laid_out': r[2], 'torch113': r[4], 'control': r[5]}
               for r in rows], sys.stdout, indent=1)
    print()
  return 0


if __name__ == '__main__':
  sys.exit(main())
