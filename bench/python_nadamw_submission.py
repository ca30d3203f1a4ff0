"""NAdamW + warmup/cosine written to AlgoPerf's v0.6 PyTorch submission API from the equations: the
same algorithm as trainperf's C++ `nadamw` (bench/python_step times the two against each other;
tests/python/python_submission_test.cpp checks they follow one trajectory)."""
import math
import torch
from algoperf import spec
from algoperf.pytorch_utils import pytorch_setup

USE_PYTORCH_DDP, RANK, DEVICE, N_GPUS = pytorch_setup()


def _multiplier(t, total, warmup_factor):
  warmup = int(warmup_factor * total)
  if t < warmup:
    return t / warmup
  if t >= total:
    return 0.0
  return 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / max(total - warmup, 1)))


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  params = list(model_params.parameters())
  return {'params': params, 'm': [torch.zeros_like(p) for p in params],
          'v': [torch.zeros_like(p) for p in params], 'step': 0, 'step_hint': workload.step_hint}


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng, train_state=None):
  h = hyperparameters
  current_param_container.train()
  for p in optimizer_state['params']:
    p.grad = None
  logits, new_model_state = workload.model_fn(current_param_container, batch, model_state,
                                              spec.ForwardPassMode.TRAIN, rng, update_batch_norm=True)
  loss_dict = workload.loss_fn(batch['targets'], logits, batch.get('weights'), h.label_smoothing)
  loss = loss_dict['summed'] / loss_dict['n_valid_examples']
  loss.backward()
  lr = h.learning_rate * _multiplier(global_step, optimizer_state['step_hint'], h.warmup_factor)
  b1, b2, eps = 1.0 - h.one_minus_beta1, h.beta2, 1e-8
  optimizer_state['step'] += 1
  t = optimizer_state['step']
  bc1, bc2 = 1.0 - b1 ** t, 1.0 - b2 ** t
  with torch.no_grad():
    for p, m, v in zip(optimizer_state['params'], optimizer_state['m'], optimizer_state['v']):
      g = p.grad
      p.mul_(1.0 - lr * h.weight_decay)
      m.mul_(b1).add_(g, alpha=1.0 - b1)
      v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
      lookahead = m.mul(b1).add_(g, alpha=1.0 - b1)
      denom = v.sqrt().div_(math.sqrt(bc2)).add_(eps)
      p.addcdiv_(lookahead, denom, value=-lr / bc1)
  return optimizer_state, current_param_container, new_model_state


def prepare_for_eval(workload, current_param_container, current_params_types, model_state, hyperparameters,
                     loss_type, optimizer_state, eval_results, global_step, rng):
  return optimizer_state, current_param_container, model_state


def get_batch_size(workload_name):
  return {'mnist': 16, 'imagenet_resnet': 1024}[workload_name]


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
