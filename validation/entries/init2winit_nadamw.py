"""PyTorch port of the NAdamW self-tuning entries that AlgoPerf ran in JAX (written by us for trainperf,
issue 20; not AlgoPerf code). Shared by nadamw.py, nadamw_baselinev05.py, nadamw_resnet.py and
v05_baseline.py, which differ only in HPARAMS.

Original: mlcommons/submissions_algorithms, branch a100_scoring, commit ec137231ae40,
submissions/self_tuning/{nadamw,nadamw_baselinev05,nadamw_resnet}/submission.py, and main, commit
12c8e4ea93dc, previous_leaderboards/algoperf_v05/submissions/self_tuning/baseline/submission.py (the
same update in the v0.5 API: pmap instead of jit with shardings).

What is ported, term by term (the original's names in brackets):
- the update [nadamw = chain(scale_by_nadam, add_decayed_weights, scale_by_learning_rate)], per tensor,
  in float32 and in the original's order of operations:
    mu = (1 - b1) g + b1 mu;  nu = (1 - b2) g^2 + b2 nu;  t += 1
    mu_hat = ((1 - b1) g + b1 mu) / (1 - b1^t);  nu_hat = nu / (1 - b2^t)
    u = mu_hat / (sqrt(nu_hat) + eps) + wd p;     p = p - lr(t - 1) u
  with b1 = 1 - one_minus_beta1, b2 = beta2, eps = 1e-8, eps_root 0, weight decay on every tensor
  (weight_decay_mask None), so decay is scaled by the scheduled learning rate.
- the schedule [jax_cosine_warmup]: W = int(warmup_factor * step_hint); for count < W linear from 0 to
  learning_rate (optax.linear_schedule), from W on learning_rate * 0.5 (1 + cos(pi min(count - W, D) / D))
  with D = max(step_hint - W, 1) (optax.cosine_decay_schedule, alpha 0), joined at W
  (optax.join_schedules); count is the number of updates before this one (optax.scale_by_schedule),
  so the first update has learning rate 0 when W > 0.
- the step [train_step]: forward with update_batch_norm=True, loss = summed / n_valid_examples, backward;
  no gradient clipping and no label smoothing, because the original looks them up with hasattr() on
  a dict, which is always False; dropout_rate from HPARAMS (trainperf builds the model with it).
- get_batch_size: the original's table, unchanged.

What differs: gradients come from PyTorch's autograd of trainperf's model instead of jax.grad (the
update itself is the same float32 arithmetic); the schedule's value is computed in Python floats and
not float32; no jit, sharding or pmap (one process). validation/entries/gen_nadamw_golden.py runs
the original files' own optax update on a small problem and writes nadamw_golden.json;
validation/entries/test_ports.py checks this port against it.
"""
import math

import torch

from algoperf import spec


def learning_rate_at(count, step_hint, hparams):
  """The original's jax_cosine_warmup schedule at `count` updates done."""
  peak = hparams['learning_rate']
  warmup = int(hparams['warmup_factor'] * step_hint)
  if count < warmup:
    return peak * count / warmup
  decay_steps = max(step_hint - warmup, 1)
  c = min(count - warmup, decay_steps)
  return peak * 0.5 * (1.0 + math.cos(math.pi * c / decay_steps))


class JaxNAdamW(torch.optim.Optimizer):
  """init2winit's NAdamW (scale_by_nadam + add_decayed_weights + schedule) as a torch optimizer, so
  that trainperf's checkpoints save it with state_dict()."""

  def __init__(self, params, hparams, step_hint):
    defaults = dict(b1=1.0 - hparams['one_minus_beta1'], b2=hparams['beta2'], eps=1e-8,
                    weight_decay=hparams['weight_decay'])
    super().__init__(params, defaults)
    self.hparams = dict(hparams)
    self.step_hint = int(step_hint)

  @torch.no_grad()
  def step(self, closure=None):
    del closure
    for group in self.param_groups:
      b1, b2, eps, wd = group['b1'], group['b2'], group['eps'], group['weight_decay']
      for p in group['params']:
        if p.grad is None:
          continue
        state = self.state[p]
        if not state:
          state['count'] = 0
          state['mu'] = torch.zeros_like(p)
          state['nu'] = torch.zeros_like(p)
        g = p.grad
        lr = learning_rate_at(state['count'], self.step_hint, self.hparams)
        mu = (1.0 - b1) * g + b1 * state['mu']
        nu = (1.0 - b2) * (g * g) + b2 * state['nu']
        state['count'] += 1
        t = torch.tensor(state['count'], dtype=torch.int32)
        bc1 = 1.0 - torch.tensor(b1, dtype=torch.float32) ** t
        bc2 = 1.0 - torch.tensor(b2, dtype=torch.float32) ** t
        mu_hat = ((1.0 - b1) * g + b1 * mu) / bc1.to(p.dtype)
        nu_hat = nu / bc2.to(p.dtype)
        update = mu_hat / (torch.sqrt(nu_hat) + eps)
        update = update + wd * p
        p.add_(-lr * update)
        state['mu'], state['nu'] = mu, nu


def init_optimizer_state(hparams, workload, model_params):
  return {'optimizer': JaxNAdamW(model_params.parameters(), hparams, workload.step_hint)}


def update_params(hparams, workload, current_param_container, model_state, batch, optimizer_state,
                  rng):
  optimizer = optimizer_state['optimizer']
  current_param_container.train()
  optimizer.zero_grad(set_to_none=True)
  logits, new_model_state = workload.model_fn(current_param_container, batch, model_state,
                                              spec.ForwardPassMode.TRAIN, rng, update_batch_norm=True,
                                              dropout_rate=hparams['dropout_rate'])
  loss_dict = workload.loss_fn(label_batch=batch['targets'], logits_batch=logits,
                               mask_batch=batch.get('weights'), label_smoothing=0.0)
  loss = loss_dict['summed'] / loss_dict['n_valid_examples']
  loss.backward()
  optimizer.step()
  return optimizer_state, current_param_container, new_model_state


# The original's get_batch_size, unchanged (2026 form; the v0.5 baseline's lacks finewebedu_lm and
# imagenet_resnet_silu/gelu and has the same values for the rest).
BATCH_SIZES = {
    'criteo1tb': 262_144, 'fastmri': 32, 'imagenet_resnet': 1024, 'imagenet_resnet_silu': 512,
    'imagenet_resnet_gelu': 512, 'imagenet_vit': 1024, 'librispeech_conformer': 256,
    'librispeech_deepspeech': 256, 'ogbg': 512, 'wmt': 128, 'finewebedu_lm': 64, 'mnist': 16,
}


def get_batch_size(workload_name):
  if workload_name not in BATCH_SIZES:
    raise ValueError(f'Unsupported workload name: {workload_name}.')
  return BATCH_SIZES[workload_name]


def make_submission(hparams):
  """The AlgoPerf API functions of one entry, for `globals().update(...)` in its file."""

  def _init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
    del model_state, hyperparameters, rng
    return init_optimizer_state(hparams, workload, model_params)

  def _update_params(workload, current_param_container, current_params_types, model_state,
                     hyperparameters, batch, loss_type, optimizer_state, eval_results, global_step,
                     rng, train_state=None):
    del current_params_types, hyperparameters, loss_type, eval_results, global_step, train_state
    return update_params(hparams, workload, current_param_container, model_state, batch,
                         optimizer_state, rng)

  def _prepare_for_eval(workload, current_param_container, current_params_types, model_state,
                        hyperparameters, loss_type, optimizer_state, eval_results, global_step, rng):
    del workload, current_params_types, hyperparameters, loss_type, eval_results, global_step, rng
    return optimizer_state, current_param_container, model_state

  def _data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                      hyperparameters, global_step, rng):
    del workload, optimizer_state, current_param_container, model_state, hyperparameters
    del global_step, rng
    return next(input_queue)

  return {'init_optimizer_state': _init_optimizer_state, 'update_params': _update_params,
          'prepare_for_eval': _prepare_for_eval, 'data_selection': _data_selection,
          'get_batch_size': get_batch_size}
