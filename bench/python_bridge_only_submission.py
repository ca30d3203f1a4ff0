"""A Python submission that does nothing but call the C++ `nadamw` step (bench/python_step sets it):
what it costs over the C++ submission is the bridge's own cost per step (two calls into Python,
the batch dict, the namedtuple, the rng key)."""
import _trainperf


def init_optimizer_state(workload, model_params, model_state, hyperparameters, rng):
  return {}


def update_params(workload, current_param_container, current_params_types, model_state, hyperparameters,
                  batch, loss_type, optimizer_state, eval_results, global_step, rng, train_state=None):
  _trainperf.cpp_step(workload._handle)
  return optimizer_state, current_param_container, model_state


def get_batch_size(workload_name):
  return {'mnist': 16, 'imagenet_resnet': 1024}[workload_name]


def data_selection(workload, input_queue, optimizer_state, current_param_container, model_state,
                   hyperparameters, global_step, rng):
  return next(input_queue)
