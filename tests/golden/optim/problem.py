"""The small fixed problem every optimizer golden trajectory is computed on (float64).

Same data as gen_nadamw.py: a 3x4 weight matrix W and a 3-vector b (a matrix and a vector parameter),
loss = mean((X W^T + b - Y)^2) + 0.1 * sum(b^2). `run` drives an update rule written from the
published equations; nothing here comes from the C++ code.
"""
import torch

torch.set_default_dtype(torch.float64)
_g = torch.Generator().manual_seed(1234)
X = torch.randn(6, 4, generator=_g)
Y = torch.randn(6, 3, generator=_g)
W0 = torch.randn(3, 4, generator=_g) * 0.5
B0 = torch.randn(3, generator=_g) * 0.5
LOSS = "mean((X W^T + b - Y)^2) + 0.1 * sum(b^2)"


def loss_fn(w, b):
    return ((X @ w.T + b - Y) ** 2).mean() + 0.1 * (b ** 2).sum()


def grads(w, b):
    """Gradients of loss_fn at (w, b), as new tensors."""
    w, b = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    loss_fn(w, b).backward()
    return [w.grad, b.grad]


def grads_list(params):
    """grads for a list [w, b] (the form official.optax_trajectory calls)."""
    return grads(*params)


def initial():
    """The initial point [W0, B0], as new tensors."""
    return [W0.clone(), B0.clone()]


def run(update, steps):
    """update(params, grads, t) changes params in place; returns the trajectory after each step."""
    params = [W0.clone(), B0.clone()]
    traj = []
    for t in range(1, steps + 1):
        update(params, grads(*params), t)
        traj.append({"w": params[0].flatten().tolist(), "b": params[1].tolist()})
    return traj


def problem():
    return {"X": X.tolist(), "Y": Y.tolist(), "W0": W0.tolist(), "B0": B0.tolist(), "loss": LOSS}


def run_torch(make_optimizer, steps):
    """The same trajectory from a torch.optim optimizer (the cross-check where one exists)."""
    w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
    opt = make_optimizer([w, b])
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(w, b).backward()
        opt.step()
        traj.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return traj


def assert_same(a, b, tol=1e-12):
    for sa, sb in zip(a, b):
        for key in sa:
            assert torch.allclose(torch.tensor(sa[key]), torch.tensor(sb[key]), atol=tol, rtol=0), key
