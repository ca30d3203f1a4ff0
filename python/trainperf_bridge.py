"""The Python half of trainperf's bridge to AlgoPerf-style PyTorch submissions.

The C++ half (src/python/, the embedded module `_trainperf`) owns the model, the data and the
evaluation; this module gives a submission file what AlgoPerf's submission_runner.py gives it:
a workload object, a torch.nn.Module whose parameters are the C++ model's tensors (the same
TensorImpls: one autograd graph), batches as dicts of tensors, hyperparameters as a namedtuple,
and per-step rngs. docs/python-submissions.md describes the contract.
"""
import collections
import importlib.abc
import importlib.util
import inspect
import io
import json
import math
import os
import pickle
import sys
import types

import torch

import _trainperf
from algoperf import random_utils, spec

JAX_MESSAGE = 'JAX submissions are not supported; port it to PyTorch'
_JAX_MODULES = ('jax', 'jaxlib', 'flax', 'optax', 'chex')


class SubmissionFileError(Exception):
  """A submission file that does not fit the API (the message names the file and the problem)."""


class _RefuseJax(importlib.abc.MetaPathFinder):

  def find_spec(self, fullname, path=None, target=None):
    if fullname.split('.')[0] in _JAX_MODULES:
      raise ImportError(f"{JAX_MESSAGE} (it imports '{fullname}')")
    return None


if not any(isinstance(f, _RefuseJax) for f in sys.meta_path):
  sys.meta_path.insert(0, _RefuseJax())

# ---------------------------------------------------------------------------------------------
# The model: a torch.nn.Module tree mirroring the C++ module tree, holding the C++ tensors.


class BridgeModule(torch.nn.Module):
  """A node of the mirrored tree. forward is not offered: AlgoPerf submissions call
  workload.model_fn, which runs the C++ model."""

  def forward(self, *args, **kwargs):
    raise RuntimeError('trainperf: call workload.model_fn(params, batch, ...) to run the model; '
                       'the module itself holds the parameters only')


def _owner(root, dotted):
  parts = dotted.split('.')
  module = root
  for part in parts[:-1]:
    child = module._modules.get(part)
    if child is None:
      child = BridgeModule()
      module.add_module(part, child)
    module = child
  return module, parts[-1]


def build_container(params, buffers):
  """params, buffers: lists of (name, tensor). The tensors are put in place as they are (no copy,
  no detach): marked as Parameters through torch's `_is_param` flag, which isinstance honours."""
  root = BridgeModule()
  for name, tensor in params:
    module, leaf = _owner(root, name)
    tensor._is_param = True
    module._parameters[leaf] = tensor
  for name, tensor in buffers:
    module, leaf = _owner(root, name)
    module._buffers[leaf] = tensor
  return root


_TYPES = {
    'weight': spec.ParameterType.WEIGHT,
    'bias': spec.ParameterType.BIAS,
    'conv_weight': spec.ParameterType.CONV_WEIGHT,
    'embedding': spec.ParameterType.EMBEDDING,
    'attention_qkv': spec.ParameterType.ATTENTION_QKV,
    'attention_out': spec.ParameterType.ATTENTION_OUT,
    'other': spec.ParameterType.WEIGHT,
}


def _param_type(kind, name, buffer_names):
  if kind in ('norm_scale', 'norm_bias'):
    prefix = name.rsplit('.', 1)[0] + '.' if '.' in name else ''
    batch_norm = (prefix + 'running_mean') in buffer_names
    if kind == 'norm_scale':
      return spec.ParameterType.BATCH_NORM_SCALE if batch_norm else spec.ParameterType.LAYER_NORM_SCALE
    return spec.ParameterType.BATCH_NORM_BIAS if batch_norm else spec.ParameterType.LAYER_NORM_BIAS
  return _TYPES[kind]


# ---------------------------------------------------------------------------------------------
# The workload object.


def _to_dict(batch):
  return dict(batch)


class BridgeWorkload(spec.Workload):
  """What AlgoPerf's PyTorch workloads offer a submission, backed by a trainperf workload."""

  def __init__(self, handle, info, param_kinds, buffer_names, container):
    super().__init__()
    self._handle = handle
    self._info = info
    self._container = container
    names = set(buffer_names)
    self._param_types = {n: _param_type(k, n, names) for n, k in param_kinds}
    last = param_kinds[-1][0] if param_kinds else ''
    self._output_prefix = last.rsplit('.', 1)[0] if '.' in last else ''
    self._last_loss = None

  # Identity and targets.
  @property
  def name(self):
    return self._info['algoperf_name']

  @property
  def trainperf_name(self):
    return self._info['name']

  @property
  def target_metric_name(self):
    return self._info['target_metric_name']

  @property
  def validation_target_value(self):
    return self._info['validation_target_value']

  @property
  def test_target_value(self):
    return self._info['test_target_value']

  def has_reached_validation_target(self, eval_result):
    return self._reaches(eval_result['validation/' + self.target_metric_name], self.validation_target_value)

  def has_reached_test_target(self, eval_result):
    return self._reaches(eval_result['test/' + self.target_metric_name], self.test_target_value)

  def _reaches(self, value, target):
    return value > target if self._info['maximize'] else value < target

  @property
  def loss_type(self):
    return spec.LossType[self._info['loss_type']]

  # Sizes and budget.
  @property
  def num_train_examples(self):
    return self._info['num_train_examples']

  @property
  def num_eval_train_examples(self):
    return self._info['num_eval_train_examples']

  @property
  def num_validation_examples(self):
    return self._info['num_validation_examples']

  @property
  def num_test_examples(self):
    return self._info['num_test_examples']

  @property
  def eval_batch_size(self):
    return self._info['eval_batch_size']

  @property
  def train_mean(self):
    return None

  @property
  def train_stddev(self):
    return None

  @property
  def max_allowed_runtime_sec(self):
    return self._info['max_allowed_runtime_sec']

  @property
  def eval_period_time_sec(self):
    return self._info['eval_period_time_sec']

  @property
  def step_hint(self):
    return self._info['step_hint']

  # Parameters.
  @property
  def param_shapes(self):
    return {n: spec.ShapeTuple(p.shape) for n, p in self._container.named_parameters()}

  @property
  def model_params_types(self):
    return dict(self._param_types)

  def is_output_params(self, param_key):
    return bool(self._output_prefix) and param_key.rsplit('.', 1)[0] == self._output_prefix

  # The model and the loss (C++).
  def model_fn(self, params, augmented_and_preprocessed_input_batch, model_state, mode, rng,
               update_batch_norm, dropout_rate=None):
    del rng, dropout_rate  # the model was built with the trial's dropout_rate
    if params is not self._container:
      _copy_into(self._container, params)
    train = spec.ForwardPassMode(mode.value) == spec.ForwardPassMode.TRAIN
    logits = _trainperf.model_fn(self._handle, augmented_and_preprocessed_input_batch, train,
                                 bool(update_batch_norm))
    return logits, model_state

  def loss_fn(self, label_batch, logits_batch, mask_batch=None, label_smoothing=0.0):
    summed, count, per_example = _trainperf.loss_fn(self._handle, label_batch, logits_batch, mask_batch,
                                                     float(label_smoothing))
    self._last_loss = (summed, count)
    return {'summed': summed, 'n_valid_examples': count, 'per_example': per_example}

  def init_model_fn(self, rng, dropout_rate=None, aux_dropout_rate=None):
    raise RuntimeError('trainperf builds the model before init_optimizer_state; a submission '
                       'cannot re-initialise it')

  def eval_model(self, *args, **kwargs):
    raise RuntimeError('trainperf evaluates the model itself (in C++); a submission cannot call eval_model')


def _copy_into(ours, theirs):
  """A container returned by a submission that is not ours: its values become the model's (AlgoPerf
  keeps the returned container as the model)."""
  if theirs is None or theirs is ours:
    return
  if not isinstance(theirs, torch.nn.Module):
    raise TypeError(f'the returned parameter container is a {type(theirs).__name__}, not a torch.nn.Module')
  mine = dict(ours.named_parameters())
  mine.update(dict(ours.named_buffers()))
  with torch.no_grad():
    for name, value in list(theirs.named_parameters()) + list(theirs.named_buffers()):
      if name not in mine:
        raise KeyError(f"the returned parameter container has '{name}', which the model does not")
      if value is not mine[name]:
        mine[name].copy_(value)


class InputQueue:
  """The infinite, pre-shuffled input queue of AlgoPerf's data_selection."""

  def __init__(self, handle):
    self._handle = handle

  def __iter__(self):
    return self

  def __next__(self):
    return _trainperf.next_batch(self._handle)


# ---------------------------------------------------------------------------------------------
# A submission file.

_REQUIRED = ('get_batch_size', 'init_optimizer_state', 'update_params', 'data_selection')


def load_submission(path):
  """Imports the file (once per process) and checks the API; returns its module."""
  path = os.path.abspath(path)
  if not os.path.isfile(path):
    raise SubmissionFileError(f'{path}: file not found')
  name = '_trainperf_submission_' + str(abs(hash(path)))
  if name in sys.modules:
    return sys.modules[name]
  folder = os.path.dirname(path)
  if folder not in sys.path:
    sys.path.insert(0, folder)  # its helper modules, as `python3 submission_runner.py` finds them
  module_spec = importlib.util.spec_from_file_location(name, path)
  module = importlib.util.module_from_spec(module_spec)
  sys.modules[name] = module
  try:
    module_spec.loader.exec_module(module)
  except BaseException:
    del sys.modules[name]
    raise
  missing = [f for f in _REQUIRED if not callable(getattr(module, f, None))]
  if missing:
    del sys.modules[name]
    raise SubmissionFileError(f'{path}: not an AlgoPerf submission: it defines no {", ".join(missing)} '
                              f'(required: {", ".join(_REQUIRED)})')
  return module


def describe(module):
  """What the C++ side records about a loaded file: its form and its self-tuning HPARAMS."""
  update = inspect.signature(module.update_params).parameters
  hparams = getattr(module, 'HPARAMS', None)
  if hparams is not None and not isinstance(hparams, dict):
    if hasattr(hparams, '_asdict'):  # a namedtuple
      hparams = dict(hparams._asdict())
    elif isinstance(hparams, types.SimpleNamespace):  # HPARAMS = SimpleNamespace(**HPARAMS) (the Muon entries)
      hparams = dict(vars(hparams))
    else:
      hparams = None
  with open(module.__file__, encoding='utf-8') as f:
    package = 'algorithmic_efficiency' if 'algorithmic_efficiency' in f.read() else 'algoperf'
  return {
      'package': package,
      'train_state': 'train_state' in update,
      'prepare_for_eval': callable(getattr(module, 'prepare_for_eval', None)),
      'hparams': json.dumps(hparams) if hparams is not None else '',
  }


def hyperparameters(point):
  """A point as AlgoPerf passes it: a namedtuple in the point's key order."""
  if point is None:
    return None
  return collections.namedtuple('Hyperparameters', list(point))(**point)


class SubmissionRun:
  """One trial of a submission file: the state AlgoPerf's runner keeps between calls."""

  def __init__(self, module, handle, info, params, param_kinds, buffers, point, self_tuning):
    self.module = module
    self.handle = handle
    self.container = build_container(params, buffers)
    self.workload = BridgeWorkload(handle, info, param_kinds, [n for n, _ in buffers], self.container)
    self.params_types = self.workload.model_params_types
    self.hparams = None if self_tuning else hyperparameters(point)
    self.model_state = None
    self.optimizer_state = None
    self.eval_results = []
    self.queue = InputQueue(handle)
    self.has_train_state = 'train_state' in inspect.signature(module.update_params).parameters

  def init(self, seed):
    self.optimizer_state = self.module.init_optimizer_state(self.workload, self.container, self.model_state,
                                                            self.hparams, random_utils.PRNGKey(seed))

  def note_eval(self, global_step, metrics):
    self.eval_results.append((global_step, metrics))

  def select(self, global_step, seed):
    return self.module.data_selection(self.workload, self.queue, self.optimizer_state, self.container,
                                      self.model_state, self.hparams, global_step, random_utils.PRNGKey(seed))

  def update(self, batch, global_step, seed, train_state):
    """Runs update_params; returns (mean loss of the step or None, training_complete)."""
    self.workload._last_loss = None
    self.workload._info['max_allowed_runtime_sec'] = train_state['max_runtime_s']
    self.workload._info['eval_period_time_sec'] = train_state['eval_period_s']
    kwargs = {'train_state': train_state} if self.has_train_state else {}
    try:
      result = self.module.update_params(self.workload, self.container, self.params_types, self.model_state,
                                         self.hparams, batch, self.workload.loss_type, self.optimizer_state,
                                         self.eval_results, global_step, random_utils.PRNGKey(seed), **kwargs)
    except spec.TrainingCompleteError:
      return None, True
    self._take(result, 'update_params')
    loss = self.workload._last_loss
    if loss is None:
      return None, False
    summed, count = loss
    return (summed.detach() / torch.clamp(torch.as_tensor(count, dtype=summed.dtype), min=1)), False

  def prepare(self, global_step, seed):
    fn = getattr(self.module, 'prepare_for_eval', None)
    if fn is None:
      return
    result = fn(self.workload, self.container, self.params_types, self.model_state, self.hparams,
                self.workload.loss_type, self.optimizer_state, self.eval_results, global_step,
                random_utils.PRNGKey(seed))
    self._take(result, 'prepare_for_eval')

  def save_state(self):
    """What the next update_params depends on besides the model, as bytes for trainperf's checkpoint:
    the optimizer state as AlgoPerf's PyTorch checkpoints save it (an entry with state_dict() by its
    state_dict, the rest pickled), eval_results and model_state."""
    return _dumps({'optimizer_state': _saved(self.optimizer_state), 'eval_results': self.eval_results,
                   'model_state': self.model_state}, self.container)

  def load_state(self, data):
    """Puts back what save_state wrote, after init_optimizer_state on the restored model: state_dicts
    are loaded into the objects init_optimizer_state made, the other entries replaced."""
    state = _loads(data, self.container)
    self.optimizer_state = _restored(self.optimizer_state, state['optimizer_state'], 'optimizer_state')
    self.eval_results = state['eval_results']
    self.model_state = state['model_state']

  def _take(self, result, where):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
      raise TypeError(f'{where} must return (optimizer_state, params, model_state); it returned '
                      f'{type(result).__name__}')
    self.optimizer_state, params, self.model_state = result
    _copy_into(self.container, params)


# ---------------------------------------------------------------------------------------------
# Checkpoints (docs/python-submissions.md, "Checkpoints"). The model's own tensors (a list of the
# parameters kept in the optimizer state, say) are written as references to them, so a resumed
# state holds the restored model's tensors, not copies.


def _has_state_dict(obj):
  return (not isinstance(obj, type) and callable(getattr(obj, 'state_dict', None))
          and callable(getattr(obj, 'load_state_dict', None)))


def _saved(obj):
  if _has_state_dict(obj):
    return ('state_dict', obj.state_dict())
  if isinstance(obj, dict):
    return ('dict', {key: _saved(value) for key, value in obj.items()})
  return ('value', obj)


def _restored(current, saved, where):
  kind, value = saved
  if kind == 'state_dict':
    if not _has_state_dict(current):
      raise ValueError(f'{where} was saved by its state_dict(), but init_optimizer_state made '
                       f'{type(current).__name__} there, which has no load_state_dict()')
    current.load_state_dict(value)
    return current
  if kind == 'dict':
    out = current if isinstance(current, dict) else {}
    for key, item in value.items():
      out[key] = _restored(out.get(key), item, f'{where}[{key!r}]')
    return out
  return value


def _model_refs(container):
  refs = {'container': container}
  refs.update({'param:' + n: t for n, t in container.named_parameters()})
  refs.update({'buffer:' + n: t for n, t in container.named_buffers()})
  return refs


class _Pickler(pickle.Pickler):

  def __init__(self, f, container):
    super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
    self._ids = {id(obj): key for key, obj in _model_refs(container).items()}

  def persistent_id(self, obj):
    if isinstance(obj, (torch.Tensor, torch.nn.Module)):
      return self._ids.get(id(obj))
    return None


class _Unpickler(pickle.Unpickler):

  def __init__(self, f, container):
    super().__init__(f)
    self._refs = _model_refs(container)

  def persistent_load(self, pid):
    if pid not in self._refs:
      raise pickle.UnpicklingError(f"the checkpoint refers to the model's '{pid}', which this model lacks")
    return self._refs[pid]


def _dumps(obj, container):
  buf = io.BytesIO()
  _Pickler(buf, container).dump(obj)
  return buf.getvalue()


def _loads(data, container):
  return _Unpickler(io.BytesIO(data), container).load()


def batch_size(module, algoperf_name):
  size = module.get_batch_size(algoperf_name)
  if isinstance(size, bool) or not isinstance(size, int) or size < 1:
    raise SubmissionFileError(f'get_batch_size({algoperf_name!r}) returned {size!r}, not a positive int')
  return size


# ---------------------------------------------------------------------------------------------
# A plain torch.optim.Optimizer under trainperf's schedule.

HARNESS_KEYS = ('learning_rate', 'one_minus_beta1', 'beta2')


def optimizer_class(spec_text):
  """'torch.optim.AdamW' or 'package.module:Class' -> the class (a torch.optim.Optimizer subclass)."""
  if ':' in spec_text:
    module_name, _, attr = spec_text.partition(':')
  else:
    module_name, _, attr = spec_text.rpartition('.')
  if not module_name or not attr:
    raise SubmissionFileError(f"'{spec_text}': name an optimizer class as torch.optim.AdamW or module:Class")
  if os.getcwd() not in sys.path:
    sys.path.append(os.getcwd())  # module:Class from the working directory, as `python3 -m` finds it
  try:
    module = importlib.import_module(module_name)
  except ImportError as e:
    raise SubmissionFileError(f"'{spec_text}': cannot import {module_name}: {e}") from e
  cls = getattr(module, attr, None)
  if not (inspect.isclass(cls) and issubclass(cls, torch.optim.Optimizer)):
    raise SubmissionFileError(f"'{spec_text}': {module_name} has no torch.optim.Optimizer subclass '{attr}'")
  return cls


def optimizer_keys(spec_text):
  """The search-space keys the class accepts: [(key, type name)], besides learning_rate."""
  cls = optimizer_class(spec_text)
  params = inspect.signature(cls.__init__).parameters
  keys = []
  if 'betas' in params or 'momentum' in params:
    keys.append(('one_minus_beta1', 'number'))
  if 'betas' in params:
    keys.append(('beta2', 'number'))
  for name, p in params.items():
    if name in ('self', 'params', 'lr') or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
      continue
    if name == 'betas' or (name == 'momentum' and 'one_minus_beta1' in dict(keys)):
      continue
    default = p.default
    if isinstance(default, bool):
      keys.append((name, 'boolean'))
    elif isinstance(default, (int, float)) or default is p.empty:
      keys.append((name, 'number'))  # torch writes float defaults as ints too (weight_decay=0)
    elif isinstance(default, str):
      keys.append((name, 'string'))
    # None (foreach, fused), tuples, tensors, callables: not settable from a search space
  return keys


def make_optimizer(spec_text, params, point):
  """The optimizer over `params`, its constructor arguments taken from the point (mapping in
  docs/python-submissions.md)."""
  cls = optimizer_class(spec_text)
  sig = inspect.signature(cls.__init__).parameters
  kwargs = {'lr': float(point['learning_rate'])}
  if 'betas' in sig:
    default = sig['betas'].default if sig['betas'].default is not sig['betas'].empty else (0.9, 0.999)
    beta1 = 1.0 - point['one_minus_beta1'] if 'one_minus_beta1' in point else default[0]
    beta2 = point.get('beta2', default[1])
    kwargs['betas'] = (beta1, beta2)
  elif 'momentum' in sig and 'one_minus_beta1' in point:
    kwargs['momentum'] = 1.0 - point['one_minus_beta1']
  for name, value in point.items():
    if name in sig and name not in ('params', 'lr', 'betas') and name not in kwargs:
      kwargs[name] = value
  return cls(list(params), **kwargs)


def optimizer_state(optimizer):
  """A torch.optim optimizer's state_dict() as bytes (trainperf's checkpoint)."""
  buf = io.BytesIO()
  pickle.dump(optimizer.state_dict(), buf, protocol=pickle.HIGHEST_PROTOCOL)
  return buf.getvalue()


def load_optimizer_state(optimizer, data):
  optimizer.load_state_dict(pickle.loads(data))


def optimizer_step(optimizer, lr):
  for group in optimizer.param_groups:
    group['lr'] = lr
  optimizer.step()
