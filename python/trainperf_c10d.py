"""The Gloo process group of a data-parallel trial (docs/distributed.md), made by torch.distributed.

The torch wheel's LibTorch has Gloo compiled in, but its c10d/ProcessGroupGloo.hpp includes Gloo's
own headers, which the wheel does not ship, and LibTorch exports no C++ factory that returns one. The
wheel's Python bindings do construct it, so trainperf's C++ side (src/python/c10d_gloo.cpp) calls
make_gloo_group here once per rank: the group is built as torch.distributed builds it, registered in
c10d's group registry under `name` (which holds it weakly: the caller keeps the returned group alive
until it has taken the backend from the registry), and C10dCommunicator runs every collective on that
backend in C++ (no Python per step).
"""
import datetime

import torch
from torch._C._distributed_c10d import ProcessGroup, ProcessGroupGloo, TCPStore, _register_process_group


def make_gloo_group(name, master_addr, master_port, rank, world_size, timeout_s, interface, hostname):
  """Joins rank 0's TCPStore at master_addr:master_port as a client and forms the Gloo group on the
  network interface `interface`, or the address `hostname`, or (both empty) the one the host name
  resolves to. Returns the group."""
  timeout = datetime.timedelta(seconds=timeout_s)
  store = TCPStore(master_addr, master_port, is_master=False, timeout=timeout, wait_for_workers=False)
  options = ProcessGroupGloo._Options()
  options._timeout = timeout
  if interface:
    device = ProcessGroupGloo.create_device(interface=interface)
  elif hostname:
    device = ProcessGroupGloo.create_device(hostname=hostname)
  else:
    device = ProcessGroupGloo.create_default_device()
  options._devices = [device]
  gloo = ProcessGroupGloo(store, rank, world_size, options)
  group = ProcessGroup(store, rank, world_size)
  group._set_default_backend(ProcessGroup.BackendType.GLOO)
  group._register_backend(torch.device('cpu'), ProcessGroup.BackendType.GLOO, gloo)
  _register_process_group(name, group)
  return group


def average_gradients_after_backward(named_params, handle):
  """Makes a Python submission's model average its gradients over the ranks as AlgoPerf's DDP-wrapped
  model does: at the end of every backward pass that accumulates into a parameter's .grad (not
  torch.autograd.grad), once, on every parameter's accumulated gradient. The first parameter whose
  gradient is accumulated queues the averaging as a callback of the autograd engine, which runs it
  when the pass is over (`_trainperf.average_gradients`: C++ all-reduces in DDP's 25 MiB buckets)."""
  import _trainperf

  queued = [False]

  def average():
    queued[0] = False
    _trainperf.average_gradients(handle)

  def accumulated(_):
    if not queued[0]:
      queued[0] = True
      torch.autograd.Variable._execution_engine.queue_callback(average)

  for _, tensor in named_params:
    if tensor.requires_grad:
      tensor.register_post_accumulate_grad_hook(accumulated)
