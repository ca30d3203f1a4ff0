#!/usr/bin/env python3
"""Checks our PyTorch ports of AlgoPerf's JAX NAdamW entries (init2winit_nadamw.py and the entry files
beside it) against the originals' own optax update: nadamw_golden.json, written by
gen_nadamw_golden.py from the original files. For each entry and case it runs the port's
init_optimizer_state / update_params (the AlgoPerf API, as trainperf's bridge calls them) on the same
quadratic, with a workload stand-in whose model_fn returns the loss and whose loss_fn sums it, and
compares every step's parameters. It also checks that each port's HPARAMS are the original's, that its
get_batch_size agrees wherever the original's answers, and that the comparison can fail: the schedule
shifted by one update (a plausible porting slip) must break the tolerance.

  ~/.cache/trainperf/venv/bin/python validation/entries/test_ports.py      (exit 1 on a failure)
"""
import importlib.util
import json
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
    assert mode == spec.ForwardPassMode.TRAIN and update_batch_norm
    loss = sum(torch.sum(0.5 * self.a[k] * (getattr(params, k) - self.c[k]) ** 2) for k in ('w', 'b'))
    return loss, model_state

  def loss_fn(self, label_batch, logits_batch, mask_batch=None, label_smoothing=0.0):
    assert label_smoothing == 0.0 and mask_batch is None
    return {'summed': logits_batch, 'n_valid_examples': torch.tensor(1.0), 'per_example': logits_batch}


def run(port, case):
  model, workload = Model(case), Workload(case)
  state = port.init_optimizer_state(workload, model, None, None, None)
  steps = []
  for step in range(len(case['params'])):
    state, model, _ = port.update_params(workload, model, None, None, None, {'targets': None}, None,
                                         state, [], step, None)
    steps.append({k: getattr(model, k).detach().reshape(-1).clone() for k in ('w', 'b')})
  return steps


def worst(steps, case):
  """Largest |port - original| / (ATOL + RTOL |original|) over all steps and values (<= 1 passes)."""
  ratio = 0.0
  for got, want in zip(steps, case['params']):
    for k in ('w', 'b'):
      w = torch.tensor(want[k])
      ratio = max(ratio, float(((got[k] - w).abs() / (ATOL + RTOL * w.abs())).max()))
  return ratio


def main():
  with open(os.path.join(HERE, 'nadamw_golden.json')) as f:
    golden = json.load(f)
  for name, entry in golden['entries'].items():
    port = load_port(name)
    check(port.HPARAMS == entry['hparams'],
          f'{name}: HPARAMS {port.HPARAMS} differ from the original\'s {entry["hparams"]}')
    for workload_name, size in entry['batch_sizes'].items():
      if size is not None:
        check(port.get_batch_size(workload_name) == size,
              f'{name}: get_batch_size({workload_name}) = {port.get_batch_size(workload_name)}, original {size}')
    for case in entry['cases']:
      r = worst(run(port, case), case)
      print(f'{name} step_hint {case["step_hint"]}: worst |port - original| / tolerance = {r:.3g}')
      check(r <= 1.0, f'{name} step_hint {case["step_hint"]}: port departs from the original ({r:.3g} x tolerance)')

  # The check has teeth: the schedule evaluated at the update's own count (lr(t) instead of lr(t - 1))
  # must fail it on the warmup case.
  original = init2winit_nadamw.learning_rate_at
  init2winit_nadamw.learning_rate_at = lambda count, step_hint, h: original(count + 1, step_hint, h)
  try:
    entry = golden['entries']['nadamw']
    case = next(c for c in entry['cases'] if c['step_hint'] == 200)
    r = worst(run(load_port('nadamw'), case), case)
    print(f'nadamw with the schedule shifted by one update: {r:.3g} x tolerance (must exceed 1)')
    check(r > 1.0, 'a schedule shifted by one update passes the comparison: the tolerance is too loose')
  finally:
    init2winit_nadamw.learning_rate_at = original

  if failures:
    print(f'{len(failures)} failure(s)')
    sys.exit(1)
  print('all ports agree with their originals')


if __name__ == '__main__':
  main()
