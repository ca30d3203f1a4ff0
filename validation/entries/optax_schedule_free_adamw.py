"""PyTorch port of AlgoPerf's 2026 self-tuning entries "schedule_free_adamw_jax" and
"schedule_free_adamw_jax_v2" (JAX, optax.contrib.schedule_free_adamw), written by us for trainperf
(issue 20; not AlgoPerf or optax code). Shared by schedule_free_adamw_jax.py and
schedule_free_adamw_jax_v2.py.

Originals: mlcommons/submissions_algorithms, branch a100_scoring, commit ec137231ae40,
submissions/self_tuning/schedule_free_adamw_jax{,_v2}/submission.py, pinned to optax 0.2.6
(requirements.txt); optax 0.2.6's contrib/_schedule_free.py and 0.2.8's (the venv's) are the same code.

What is ported (the originals' and optax's names in brackets), per tensor, float32, in their order:
- the schedule [warmup_constant_schedule(0, learning_rate, W)], W = int(warmup_factor * step_hint * 0.75):
  lr(c) = learning_rate * min(c, W) / W (optax 0.2.6 and 0.2.8: W = 0 gives 0 forever, since the schedule
  is linear_schedule alone, which holds its initial value when W <= 0). Two counters read it: the base
  optimizer's step [scale_by_learning_rate] at its count before the update (0 first), the averaging
  weight [schedule_free: learning_rate(state.step_count)] at step_count, which starts at 1.
- the base optimizer [chain(scale_by_rms(b2, eps, eps_in_sqrt=False, bias_correction=True),
  add_decayed_weights(weight_decay), scale_by_learning_rate)], on the gradient at y:
    nu = (1 - b2) g^2 + b2 nu;  t += 1;  u = -lr(t - 1) (g / (sqrt(nu / (1 - b2^t)) + eps) + wd y)
- the schedule-free step [schedule_free]: max_lr = max(max_lr, lr(step_count)); w = max_lr^weight_lr_power;
  c = w / (weight_sum + w) (0 when that is 0/0); weight_sum += w; z' = z + u;
  x = (1 - c) (y - (1 - b1) z) / b1 + c z';  y' = b1 x + (1 - b1) z';  the parameters become y + (y' - y)
  [optax.apply_updates of updates = y' - y].
- evaluation [prepare_for_eval]: the model holds x = (y - (1 - b1) z) / b1 [schedule_free_eval_params]
  until the next update_params, which first restores y = (1 - b1) z + b1 x [jitted_restore_y].
- the step: forward with update_batch_norm=True (v2: False), loss = summed / n_valid_examples, backward;
  no clipping and no label smoothing: the originals read them with hasattr(hyperparameters, ...), and
  hyperparameters is None under self-tuning, so HPARAMS' label_smoothing 0.2 is never used.
- v2 only [update_params, "Update batch norm statistics at x"]: when the model has BatchNorm running
  statistics and global_step % 3 == 0, before the step a forward at x (computed from the state before
  this update) with update_batch_norm=True refreshes them; the parameters go back to y for the step.
- get_batch_size: the originals' table, unchanged (its librispeech_deepspeech 128, finewebedu_lm 32
  differ from the NAdamW entries').

What differs: gradients from PyTorch's autograd of trainperf's model, not jax.grad; the schedule in
Python floats; the v2 BatchNorm refresh is a forward of trainperf's model with the parameters swapped
to x in place (JAX passes x as another parameter tree), and "has BatchNorm" is read from the module's
running_mean buffers (AlgoPerf: a non-empty model_state). validation/entries/gen_sf_adamw_golden.py runs
the originals' own code (init_optimizer_state, update_opt, prepare_for_eval, jitted_restore_y) on a
quadratic; test_ports.py checks this port against it. The v2 BatchNorm refresh has no golden check
(the originals' refresh needs a flax model); it is the four lines above, read against the original.
"""
import math

import torch

from algoperf import spec


def learning_rate_at(count, warmup_steps, peak):
  # optax's warmup_constant_schedule is linear_schedule(0, peak, W) alone, and linear_schedule with W <= 0
  # holds init_value: with W = 0 (step_hint < 67 here) the original never moves. So does the port.
  if warmup_steps <= 0:
    return 0.0
  return peak * min(count, warmup_steps) / warmup_steps


class OptaxScheduleFreeAdamW(torch.optim.Optimizer):
  """optax.contrib.schedule_free_adamw as a torch optimizer over y (the parameters); z, nu and the
  counters are its state, so trainperf's checkpoints save them with state_dict()."""

  def __init__(self, params, hparams, step_hint):
    defaults = dict(b1=1.0 - hparams['one_minus_beta1'], b2=hparams['beta2'], eps=hparams['eps'],
                    weight_decay=hparams['weight_decay'], power=hparams['weight_lr_power'])
    super().__init__(params, defaults)
    self.peak = hparams['learning_rate']
    self.warmup_steps = int(hparams['warmup_factor'] * step_hint * 0.75)
    # Shared scalars of the optax state (one per optimizer, not per tensor).
    self.state['sf'] = {'step_count': 1, 'rms_count': 0, 'max_lr': 0.0, 'weight_sum': 0.0,
                        'holding_x': False}

  def _scalars(self):
    return self.state['sf']

  @torch.no_grad()
  def eval_params(self):
    """x = (y - (1 - b1) z) / b1 per parameter (new tensors)."""
    out = []
    for group in self.param_groups:
      b1 = group['b1']
      for p in group['params']:
        z = self.state[p]['z'] if 'z' in self.state[p] else p
        out.append((p, (p - (1.0 - b1) * z) / b1))
    return out

  @torch.no_grad()
  def to_x(self):
    for p, x in self.eval_params():
      p.copy_(x)
    self._scalars()['holding_x'] = True

  @torch.no_grad()
  def to_y(self):
    if not self._scalars()['holding_x']:
      return
    for group in self.param_groups:
      b1 = group['b1']
      for p in group['params']:
        if 'z' in self.state[p]:
          p.copy_((1.0 - b1) * self.state[p]['z'] + b1 * p)
    self._scalars()['holding_x'] = False

  @torch.no_grad()
  def step(self, closure=None):
    del closure
    s = self._scalars()
    f32 = lambda v: torch.tensor(v, dtype=torch.float32)
    lr_weight = f32(learning_rate_at(s['step_count'], self.warmup_steps, self.peak))
    lr_base = learning_rate_at(s['rms_count'], self.warmup_steps, self.peak)
    max_lr = torch.maximum(f32(s['max_lr']), lr_weight)
    s['rms_count'] += 1
    s['step_count'] += 1
    for group in self.param_groups:
      b1, b2, eps, wd = group['b1'], group['b2'], group['eps'], group['weight_decay']
      weight = max_lr ** group['power']
      total = f32(s['weight_sum']) + weight
      ck = torch.nan_to_num(weight / total, nan=0.0, posinf=math.inf)
      t = torch.tensor(s['rms_count'], dtype=torch.int32)
      bc2 = 1.0 - f32(b2) ** t
      for p in group['params']:
        if p.grad is None:
          continue
        state = self.state[p]
        if 'z' not in state:
          state['z'] = p.detach().clone()
          state['nu'] = torch.zeros_like(p)
        g = p.grad
        nu = (1.0 - b2) * (g * g) + b2 * state['nu']
        u = (1.0 / (torch.sqrt(nu / bc2) + eps)) * g
        u = u + wd * p
        u = -lr_base * u
        z_old = state['z']
        z = z_old + u
        prev_x = (p - (1.0 - b1) * z_old) / b1
        x = (1.0 - ck) * prev_x + ck * z
        y = b1 * x + (1.0 - b1) * z
        p.add_(y - p)
        state['z'], state['nu'] = z, nu
      s['weight_sum'] = float(total)
    s['max_lr'] = float(max_lr)


def _has_batch_norm(module):
  return any(name.endswith('running_mean') for name, _ in module.named_buffers())


def make_submission(hparams, refresh_batch_norm_at_x):
  """The AlgoPerf API functions of one entry, for `globals().update(...)` in its file."""

  def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
    del model_state, hyperparameters, rng
    return {'optimizer': OptaxScheduleFreeAdamW(model_params.parameters(), hparams, workload.step_hint)}

  def update_params(workload, current_param_container, current_params_types, model_state,
                    hyperparameters, batch, loss_type, optimizer_state, eval_results, global_step,
                    rng, train_state=None):
    del current_params_types, hyperparameters, loss_type, eval_results, train_state
    optimizer = optimizer_state['optimizer']
    optimizer.to_y()
    current_param_container.train()
    if refresh_batch_norm_at_x and global_step % 3 == 0 and _has_batch_norm(current_param_container):
      with torch.no_grad():
        y = [(p, p.detach().clone()) for p in current_param_container.parameters()]
        for p, x in optimizer.eval_params():
          p.copy_(x)
        workload.model_fn(current_param_container, batch, model_state, spec.ForwardPassMode.TRAIN, rng,
                          update_batch_norm=True)
        for p, saved in y:
          p.copy_(saved)
    optimizer.zero_grad(set_to_none=True)
    logits, new_model_state = workload.model_fn(current_param_container, batch, model_state,
                                                spec.ForwardPassMode.TRAIN, rng,
                                                update_batch_norm=not refresh_batch_norm_at_x)
    loss_dict = workload.loss_fn(label_batch=batch['targets'], logits_batch=logits,
                                 mask_batch=batch.get('weights'), label_smoothing=0.0)
    loss = loss_dict['summed'] / loss_dict['n_valid_examples']
    loss.backward()
    optimizer.step()
    return optimizer_state, current_param_container, new_model_state

  def prepare_for_eval(workload, current_param_container, current_params_types, model_state,
                       hyperparameters, loss_type, optimizer_state, eval_results, global_step, rng):
    del workload, current_params_types, hyperparameters, loss_type, eval_results, global_step, rng
    optimizer_state['optimizer'].to_x()
    return optimizer_state, current_param_container, model_state

  def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                     hyperparameters, global_step, rng):
    del workload, optimizer_state, current_param_container, model_state, hyperparameters
    del global_step, rng
    return next(input_queue)

  return {'init_optimizer_state': init_optimizer_state, 'update_params': update_params,
          'prepare_for_eval': prepare_for_eval, 'data_selection': data_selection,
          'get_batch_size': get_batch_size}


BATCH_SIZES = {
    'criteo1tb': 262_144, 'fastmri': 32, 'imagenet_resnet': 1024, 'imagenet_resnet_silu': 512,
    'imagenet_resnet_gelu': 512, 'imagenet_vit': 1024, 'librispeech_conformer': 256,
    'librispeech_deepspeech': 128, 'ogbg': 512, 'wmt': 128, 'mnist': 16, 'finewebedu_lm': 32,
}


def get_batch_size(workload_name):
  if workload_name not in BATCH_SIZES:
    raise ValueError(f'Unsupported workload name: {workload_name}.')
  return BATCH_SIZES[workload_name]
