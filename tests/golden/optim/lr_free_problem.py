"""The small fixed problem of the learning-rate-free golden trajectories (float64).

A 3x4 weight matrix W and a 3-vector b (a matrix and a vector parameter),
loss = mean((X W^T + b - Y)^2) + 0.1 * sum(b^2). The generators next to this file implement each
update rule from the published equations (shared/spec/training-algorithms.md, the papers and the
reference implementations named in docs/optimizers-lr-free.md), independently of the C++ code.
"""
import json

import torch

import official

torch.set_default_dtype(torch.float64)
_g = torch.Generator().manual_seed(2025)
X = torch.randn(6, 4, generator=_g)
Y = torch.randn(6, 3, generator=_g)
W0 = torch.randn(3, 4, generator=_g) * 0.5
B0 = torch.randn(3, generator=_g) * 0.5
LOSS = "mean((X W^T + b - Y)^2) + 0.1 * sum(b^2)"


def loss_fn(w, b):
    return ((X @ w.T + b - Y) ** 2).mean() + 0.1 * (b ** 2).sum()


def grads(params):
    """Gradients of loss_fn at params = [w, b], as new tensors."""
    w, b = (p.detach().clone().requires_grad_() for p in params)
    loss_fn(w, b).backward()
    return [w.grad, b.grad]


def initial():
    """The initial point [W0, B0], as new tensors."""
    return [W0.clone(), B0.clone()]


def snapshot(params):
    return {"w": params[0].flatten().tolist(), "b": params[1].tolist()}


def dump(cases):
    out = {"X": X.tolist(), "Y": Y.tolist(), "W0": W0.tolist(), "B0": B0.tolist(), "loss": LOSS}
    out.update(cases)
    official.emit(json.dumps(out, indent=1))
