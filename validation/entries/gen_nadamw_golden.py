#!/usr/bin/env python3
"""Writes nadamw_golden.json: parameter trajectories of the NAdamW self-tuning entries' own JAX code
(AlgoPerf's originals, read from git at the commits entries.json pins; nothing copied into trainperf),
which test_ports.py compares with our PyTorch port (init2winit_nadamw.py).

For each entry it imports the original submission.py (with stand-ins for what only its training step
uses: algoperf.jax_sharding_utils, and for the v0.5 file flax.jax_utils with replicate() = identity and
jax.tree_map = jax.tree.map, which newer jax dropped),
calls its init_optimizer_state with a workload stand-in (step_hint, param_shapes), and runs its
opt_update_fn for STEPS steps on the quadratic loss sum(0.5 a (p - c)^2) over two tensors (gradients
by jax.grad, applied with optax.apply_updates), in float32. Two step_hints: 20 (warmup and the whole
cosine, then past step_hint, where the schedule stays at 0) and 200 (inside the warmup and the start
of the decay). It also records each original's HPARAMS and get_batch_size table.

  ~/.cache/trainperf/venv/bin/python validation/entries/gen_nadamw_golden.py [--mirror GITDIR]
needs jax and optax (CPU) in that venv: ~/.cache/trainperf/venv/bin/pip install jax optax
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_MIRROR = '/work/.mirror/mlcommons+submissions_algorithms/repo'
ENTRIES = ('nadamw', 'nadamw_baselinev05', 'nadamw_resnet', 'v05_baseline')
STEPS = 30
STEP_HINTS = (20, 200)
WORKLOAD_NAMES = ('criteo1tb', 'fastmri', 'imagenet_resnet', 'imagenet_resnet_silu', 'imagenet_resnet_gelu',
                  'imagenet_vit', 'librispeech_conformer', 'librispeech_deepspeech', 'ogbg', 'wmt',
                  'finewebedu_lm', 'mnist')


def stand_ins():
  sys.path.insert(0, os.path.join(ROOT, 'python'))  # trainperf's algoperf / algorithmic_efficiency spec
  import algoperf
  sharding = types.ModuleType('algoperf.jax_sharding_utils')
  sys.modules['algoperf.jax_sharding_utils'] = sharding
  algoperf.jax_sharding_utils = sharding
  flax = types.ModuleType('flax')
  jax_utils = types.ModuleType('flax.jax_utils')
  jax_utils.replicate = lambda tree: tree
  jax_utils.unreplicate = lambda tree: tree
  flax.jax_utils = jax_utils
  sys.modules['flax'] = flax
  sys.modules['flax.jax_utils'] = jax_utils
  import jax
  if not hasattr(jax, 'tree_map'):  # the v0.5 file's jax.tree_map, removed from jax since; same function
    jax.tree_map = jax.tree.map


def load_original(mirror, commit, path, name, tmp):
  source = subprocess.run(['git', '--git-dir', mirror, 'show', f'{commit}:{path}/submission.py'],
                          check=True, capture_output=True, text=True).stdout
  file = os.path.join(tmp, f'{name}_original.py')
  with open(file, 'w') as f:
    f.write(source)
  spec = importlib.util.spec_from_file_location(f'{name}_original', file)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def problem(seed):
  rng = np.random.default_rng(seed)
  shapes = {'w': (3, 4), 'b': (4,)}
  a = {k: rng.uniform(0.5, 2.0, s).astype(np.float32) for k, s in shapes.items()}
  c = {k: rng.normal(0.0, 1.0, s).astype(np.float32) for k, s in shapes.items()}
  p0 = {k: rng.normal(0.0, 1.0, s).astype(np.float32) for k, s in shapes.items()}
  return shapes, a, c, p0


def trajectory(module, step_hint, shapes, a, c, p0):
  import jax
  import jax.numpy as jnp
  import optax
  from algoperf import spec

  class Workload:
    pass
  workload = Workload()
  workload.step_hint = step_hint
  workload.param_shapes = {k: spec.ShapeTuple(s) for k, s in shapes.items()}
  result = module.init_optimizer_state(workload, None, None, None, None)
  state, update_fn = result
  aj = {k: jnp.asarray(v) for k, v in a.items()}
  cj = {k: jnp.asarray(v) for k, v in c.items()}

  def loss(params):
    return sum(jnp.sum(0.5 * aj[k] * (params[k] - cj[k]) ** 2) for k in params)

  params = {k: jnp.asarray(v) for k, v in p0.items()}
  out = []
  for _ in range(STEPS):
    grads = jax.grad(loss)(params)
    updates, state = update_fn(grads, state, params)
    params = optax.apply_updates(params, updates)
    out.append({k: np.asarray(v, dtype=np.float32).ravel().tolist() for k, v in params.items()})
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--mirror', default=DEFAULT_MIRROR, help='git dir of mlcommons/submissions_algorithms')
  parser.add_argument('--out', default=os.path.join(HERE, 'nadamw_golden.json'))
  args = parser.parse_args()
  with open(os.path.join(HERE, 'entries.json')) as f:
    entries = {e['name']: e for e in json.load(f)['entries']}
  stand_ins()
  import jax
  import optax
  golden = {'generator': 'validation/entries/gen_nadamw_golden.py',
            'jax': jax.__version__, 'optax': optax.__version__, 'steps': STEPS, 'entries': {}}
  with tempfile.TemporaryDirectory() as tmp:
    for name in ENTRIES:
      code = entries[name]['code']
      module = load_original(args.mirror, code['commit'], code['path'], name, tmp)
      batch_sizes = {}
      for w in WORKLOAD_NAMES:
        try:
          batch_sizes[w] = module.get_batch_size(w)
        except ValueError:
          batch_sizes[w] = None
      cases = []
      for i, step_hint in enumerate(STEP_HINTS):
        shapes, a, c, p0 = problem(seed=i)
        cases.append({'step_hint': step_hint, 'shapes': {k: list(s) for k, s in shapes.items()},
                      'a': {k: v.ravel().tolist() for k, v in a.items()},
                      'c': {k: v.ravel().tolist() for k, v in c.items()},
                      'p0': {k: v.ravel().tolist() for k, v in p0.items()},
                      'params': trajectory(module, step_hint, shapes, a, c, p0)})
      golden['entries'][name] = {'original': f"{code['path']}/submission.py@{code['commit']}",
                                 'hparams': dict(module.HPARAMS), 'batch_sizes': batch_sizes,
                                 'cases': cases}
      print(f'{name}: {len(cases)} cases x {STEPS} steps')
  with open(args.out, 'w') as f:
    json.dump(golden, f)
    f.write('\n')
  print(f'wrote {args.out}')


if __name__ == '__main__':
  main()
