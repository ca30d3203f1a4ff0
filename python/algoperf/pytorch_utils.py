"""algoperf.pytorch_utils: what PyTorch submissions call at import time."""
import os
from typing import Tuple

import torch


def pytorch_setup() -> Tuple[bool, int, torch.device, int]:
  """(use_pytorch_ddp, rank, device, n_gpus). trainperf runs one process: no DDP."""
  use_pytorch_ddp = False
  rank = 0
  device = torch.device(os.environ.get('TRAINPERF_DEVICE', 'cpu'))
  n_gpus = torch.cuda.device_count() if device.type == 'cuda' else 0
  return use_pytorch_ddp, rank, device, n_gpus


def update_batch_norm_fn(module, update_batch_norm: bool) -> None:
  """Kept for submissions that call it; trainperf's model_fn honours update_batch_norm itself."""
  del module, update_batch_norm
