#!/usr/bin/env python3
"""Checks our PyTorch ports of AlgoPerf's JAX entries against the originals' own code: the NAdamW entries
(init2winit_nadamw.py and the entry files beside it) against nadamw_golden.json (gen_nadamw_golden.py),
the schedule-free AdamW entries (optax_schedule_free_adamw.py) against sf_adamw_golden.json
(gen_sf_adamw_golden.py: also the parameters at x that prepare_for_eval leaves for evaluation, and the
return to y at the next update). For each entry and case it runs the port's
init_optimizer_state / update_params (the AlgoPerf API, as trainperf's bridge calls them) on the same
quadratic, with a workload stand-in whose model_fn returns the loss and whose loss_fn sums it, and
compares every step's parameters. It also checks that each port's HPARAMS are the original's, that its
get_batch_size agrees wherever the original's answers, and that the comparison can fail: the schedule
shifted by one update (a plausible porting slip) must break the tolerance.

  ~/.cache/trainperf/venv/bin/python validation/entries/test_ports.py      (exit 1 on a failure)
"""
import importlib.util
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'python'))
sys.path.insert(0, HERE)

import init2winit_nadamw  # noqa: E402
from algoperf import spec  # noqa: E402

# float32 throughout; autograd and jax.grad may round the gradient differently in the last bit, which
# NAdamW's division by sqrt(nu) can amplify near zero gradients, so a relative + absolute tolerance.
RTOL, ATOL = 1e-5, 1e-6
failures = []


def check(condition, message):
  if not condition:
    failures.append(message)
    print('FAIL ' + message)


def load_port(name):
  spec_ = importlib.util.spec_from_file_location(f'port_{name}', os.path.join(HERE, f'{name}.py'))
  module = importlib.util.module_from_spec(spec_)
  spec_.loader.exec_module(module)
  return module


class Model(torch.nn.Module):
  def __init__(self, case):
    super().__init__()
    self.w = torch.nn.Parameter(torch.tensor(case['p0']['w']).reshape(case['shapes']['w']))
    self.b = torch.nn.Parameter(torch.tensor(case['p0']['b']).reshape(case['shapes']['b']))


class Workload:
  """model_fn returns the quadratic loss of the parameters as the 'logits'; loss_fn passes it on."""

  def __init__(self, case):
    self.step_hint = case['step_hint']
    self.a = {k: torch.tensor(v).reshape(case['shapes'][k]) for k, v in case['a'].items()}
    self.c = {k: torch.tensor(v).reshape(case['shapes'][k]) for k, v in case['c'].items()}

  def model_fn(self, params, batch, model_state, mode, rng, update_batch_norm, dropout_rate=None):
    assert mode == spec.ForwardPassMode.TRAIN
    loss = sum(torch.sum(0.5 * self.a[k] * (getattr(params, k) - self.c[k]) ** 2) for k in ('w', 'b'))
    return loss, model_state

  def loss_fn(self, label_batch, logits_batch, mask_batch=None, label_smoothing=0.0):
    assert label_smoothing == 0.0 and mask_batch is None
    return {'summed': logits_batch, 'n_valid_examples': torch.tensor(1.0), 'per_example': logits_batch}


def run(port, case, eval_every=None):
  """The port through the AlgoPerf API: parameters after every update (and, with eval_every, after
  every prepare_for_eval, called after each eval_every-th update as the golden's generator did)."""
  model, workload = Model(case), Workload(case)
  state = port.init_optimizer_state(workload, model, None, None, None)
  steps, evals = [], []
  snapshot = lambda: {k: getattr(model, k).detach().reshape(-1).clone() for k in ('w', 'b')}
  for step in range(len(case['params'])):
    state, model, _ = port.update_params(workload, model, None, None, None, {'targets': None}, None,
                                         state, [], step, None)
    steps.append(snapshot())
    if eval_every and (step + 1) % eval_every == 0:
      state, model, _ = port.prepare_for_eval(workload, model, None, None, None, None, state, [], step + 1, None)
      evals.append(snapshot())
  return steps, evals


def worst(steps, golden_steps):
  """Largest |port - original| / (ATOL + RTOL |original|) over all steps and values (<= 1 passes)."""
  if len(steps) != len(golden_steps):
    return math.inf
  ratio = 0.0
  for got, want in zip(steps, golden_steps):
    for k in ('w', 'b'):
      w = torch.tensor(want[k])
      ratio = max(ratio, float(((got[k] - w).abs() / (ATOL + RTOL * w.abs())).max()))
  return ratio


def check_hparams_and_batch_sizes(name, port, entry):
  """The port's HPARAMS and get_batch_size answers equal the original's, as its golden entry records them."""
  check(port.HPARAMS == entry['hparams'],
        f'{name}: HPARAMS {port.HPARAMS} differ from the original\'s {entry["hparams"]}')
  for workload_name, size in entry['batch_sizes'].items():
    if size is not None:
      check(port.get_batch_size(workload_name) == size,
            f'{name}: get_batch_size({workload_name}) = {port.get_batch_size(workload_name)}, original {size}')


def main():
  with open(os.path.join(HERE, 'nadamw_golden.json')) as f:
    golden = json.load(f)
  for name, entry in golden['entries'].items():
    port = load_port(name)
    check_hparams_and_batch_sizes(name, port, entry)
    for case in entry['cases']:
      r = worst(run(port, case)[0], case['params'])
      print(f'{name} step_hint {case["step_hint"]}: worst |port - original| / tolerance = {r:.3g}')
      check(r <= 1.0, f'{name} step_hint {case["step_hint"]}: port departs from the original ({r:.3g} x tolerance)')

  # The check has teeth: the schedule evaluated at the update's own count (lr(t) instead of lr(t - 1))
  # must fail it on the warmup case.
  original = init2winit_nadamw.learning_rate_at
  init2winit_nadamw.learning_rate_at = lambda count, step_hint, h: original(count + 1, step_hint, h)
  try:
    entry = golden['entries']['nadamw']
    case = next(c for c in entry['cases'] if c['step_hint'] == 200)
    r = worst(run(load_port('nadamw'), case)[0], case['params'])
    print(f'nadamw with the schedule shifted by one update: {r:.3g} x tolerance (must exceed 1)')
    check(r > 1.0, 'a schedule shifted by one update passes the comparison: the tolerance is too loose')
  finally:
    init2winit_nadamw.learning_rate_at = original

  with open(os.path.join(HERE, 'sf_adamw_golden.json')) as f:
    golden = json.load(f)
  for name, entry in golden['entries'].items():
    port = load_port(name)
    check_hparams_and_batch_sizes(name, port, entry)
    for case in entry['cases']:
      steps, evals = run(port, case, golden['eval_every'])
      r = worst(steps, case['params'])
      e = worst(evals, [x['params'] for x in case['evals']])
      print(f'{name} step_hint {case["step_hint"]}: worst |port - original| / tolerance = {r:.3g} '
            f'(steps), {e:.3g} (x at prepare_for_eval)')
      check(r <= 1.0 and e <= 1.0, f'{name} step_hint {case["step_hint"]}: port departs from the original')

  # Teeth: the averaging weight read at the base step's count (lr(t - 1) instead of lr(t)), the natural
  # slip since optax reads the schedule at two counters, must fail on the warmup case; and the state
  # survives state_dict() / load_state_dict() (trainperf's checkpoints) mid-trajectory.
  import optax_schedule_free_adamw as sf
  entry = golden['entries']['schedule_free_adamw_jax']
  case = next(c for c in entry['cases'] if c['step_hint'] == 400)
  original = sf.learning_rate_at
  calls = []

  def one_behind(count, warmup, peak):
    calls.append(count)
    return original(count - 1 if len(calls) % 2 == 1 else count, warmup, peak)
  sf.learning_rate_at = one_behind
  try:
    r = worst(run(load_port('schedule_free_adamw_jax'), case)[0], case['params'])
  finally:
    sf.learning_rate_at = original
  print(f'schedule_free_adamw_jax with the averaging weight one step behind: {r:.3g} x tolerance (must exceed 1)')
  check(r > 1.0, 'an averaging weight one step behind passes the comparison: the tolerance is too loose')
  port = load_port('schedule_free_adamw_jax')
  model, workload = Model(case), Workload(case)
  state = port.init_optimizer_state(workload, model, None, None, None)
  for step in range(len(case['params'])):
    if step == 10:
      saved = state['optimizer'].state_dict()
      state = port.init_optimizer_state(workload, model, None, None, None)
      state['optimizer'].load_state_dict(saved)
    state, model, _ = port.update_params(workload, model, None, None, None, {'targets': None}, None,
                                         state, [], step, None)
  final = {k: getattr(model, k).detach().reshape(-1) for k in ('w', 'b')}
  r = worst([final], [case['params'][-1]])
  check(r <= 1.0, f'schedule_free_adamw_jax resumed from state_dict() at step 10 follows the original ({r:.3g})')

  if failures:
    print(f'{len(failures)} failure(s)')
    sys.exit(1)
  print('all ports agree with their originals')


if __name__ == '__main__':
  main()
