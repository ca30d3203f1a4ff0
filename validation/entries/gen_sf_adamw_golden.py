#!/usr/bin/env python3
"""Writes sf_adamw_golden.json: parameter trajectories of AlgoPerf's schedule_free_adamw_jax and _v2
entries' own JAX code (read from git at the commits entries.json pins; nothing copied into trainperf),
which test_ports.py compares with our PyTorch port (optax_schedule_free_adamw.py).

For each entry it imports the original submission.py and runs its own functions as its update_params
and AlgoPerf's runner call them, on the quadratic sum(0.5 a (p - c)^2) over two tensors, in float32:
init_optimizer_state, then per step: restore y with jitted_restore_y when the state holds x, the
gradient by jax.grad, update_opt (the optax update and apply_updates), and after every EVAL_EVERY-th
step prepare_for_eval (x for evaluation, kept in the parameters until the next step). Two step_hints:
40 (warmup of int(0.02 * 40 * 0.75) = 0 steps, where optax's schedule stays at 0, so the
parameters must not move) and 400 (6 warmup steps). The v2 entry's BatchNorm
refresh needs a model with BatchNorm statistics, which the quadratic has not: it is not exercised.

  ~/.cache/trainperf/venv/bin/python validation/entries/gen_sf_adamw_golden.py [--mirror GITDIR]
needs jax and optax (CPU) in that venv (the entries pin optax 0.2.6; its schedule_free is 0.2.8's).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_nadamw_golden as common  # noqa: E402  (stand-ins, loading an original from git, the problem)

ENTRIES = ('schedule_free_adamw_jax', 'schedule_free_adamw_jax_v2')
STEPS = 30
EVAL_EVERY = 4
STEP_HINTS = (40, 400)


def trajectory(module, step_hint, shapes, a, c, p0):
  import jax
  import jax.numpy as jnp

  class Workload:
    pass
  workload = Workload()
  workload.step_hint = step_hint
  aj = {k: jnp.asarray(v) for k, v in a.items()}
  cj = {k: jnp.asarray(v) for k, v in c.items()}

  def loss(params):
    return sum(jnp.sum(0.5 * aj[k] * (params[k] - cj[k]) ** 2) for k in params)

  params = {k: jnp.asarray(v) for k, v in p0.items()}
  optimizer_state = module.init_optimizer_state(workload, params, None, None, None)
  beta1 = 1.0 - module.HPARAMS['one_minus_beta1']
  steps, evals = [], []
  as_list = lambda tree: {k: np.asarray(v, dtype=np.float32).ravel().tolist() for k, v in tree.items()}
  for step in range(STEPS):
    (state, holding_x), update_fn = optimizer_state
    if holding_x > 0:
      params = module.jitted_restore_y(params, state.z, beta1)
    grad = jax.grad(loss)(params)
    state, params, _ = module.update_opt(update_fn, state, params, grad, None)
    optimizer_state = ((state, jnp.array(0, dtype=jnp.int32)), update_fn)
    steps.append(as_list(params))
    if (step + 1) % EVAL_EVERY == 0:
      optimizer_state, params, _ = module.prepare_for_eval(None, params, None, None, None, None,
                                                           optimizer_state, [], step + 1, None)
      evals.append({'after_step': step + 1, 'params': as_list(params)})
  return steps, evals


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--mirror', default=common.DEFAULT_MIRROR, help='git dir of mlcommons/submissions_algorithms')
  parser.add_argument('--out', default=os.path.join(HERE, 'sf_adamw_golden.json'))
  args = parser.parse_args()
  with open(os.path.join(HERE, 'entries.json')) as f:
    entries = {e['name']: e for e in json.load(f)['entries']}
  common.stand_ins()
  import jax
  import optax
  golden = {'generator': 'validation/entries/gen_sf_adamw_golden.py', 'jax': jax.__version__,
            'optax': optax.__version__, 'steps': STEPS, 'eval_every': EVAL_EVERY, 'entries': {}}
  with tempfile.TemporaryDirectory() as tmp:
    for name in ENTRIES:
      code = entries[name]['code']
      module = common.load_original(args.mirror, code['commit'], code['path'], name, tmp)
      batch_sizes = {}
      for w in common.WORKLOAD_NAMES:
        try:
          batch_sizes[w] = module.get_batch_size(w)
        except ValueError:
          batch_sizes[w] = None
      cases = []
      for i, step_hint in enumerate(STEP_HINTS):
        shapes, a, c, p0 = common.problem(seed=10 + i)
        steps, evals = trajectory(module, step_hint, shapes, a, c, p0)
        cases.append({'step_hint': step_hint, 'shapes': {k: list(s) for k, s in shapes.items()},
                      'a': {k: v.ravel().tolist() for k, v in a.items()},
                      'c': {k: v.ravel().tolist() for k, v in c.items()},
                      'p0': {k: v.ravel().tolist() for k, v in p0.items()},
                      'params': steps, 'evals': evals})
      golden['entries'][name] = {'original': f"{code['path']}/submission.py@{code['commit']}",
                                 'hparams': dict(module.HPARAMS), 'batch_sizes': batch_sizes, 'cases': cases}
      print(f'{name}: {len(cases)} cases x {STEPS} steps')
  with open(args.out, 'w') as f:
    json.dump(golden, f)
    f.write('\n')
  print(f'wrote {args.out}')


if __name__ == '__main__':
  main()
