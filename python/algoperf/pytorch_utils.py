"""algoperf.pytorch_utils: what PyTorch submissions call at import time."""
import os
from typing import Tuple

import torch


def pytorch_setup() -> Tuple[bool, int, torch.device, int]:
  """(use_pytorch_ddp, rank, device, n_gpus). use_pytorch_ddp is False even in a data-parallel trial
  (docs/distributed.md): torch.distributed's default group is not initialized in trainperf's
  interpreter, so code under `if USE_PYTORCH_DDP:` (dist.all_reduce and the like) must not run; the
  gradients are averaged as DDP's are all the same. rank is the process's RANK (0 alone)."""
  use_pytorch_ddp = False
  rank = int(os.environ.get('RANK', '0'))
  device = torch.device(os.environ.get('TRAINPERF_DEVICE', 'cpu'))
  n_gpus = torch.cuda.device_count() if device.type == 'cuda' else 0
  return use_pytorch_ddp, rank, device, n_gpus


def update_batch_norm_fn(module, update_batch_norm: bool) -> None:
  """Kept for submissions that call it; trainperf's model_fn honours update_batch_norm itself."""
  del module, update_batch_norm
