#!/usr/bin/env python3
"""Golden trajectories for Mechanic wrapping torch.optim.SGD and torch.optim.Adam.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_mechanic.py > tests/golden/optim/mechanic.json
Equations (shared/spec/training-algorithms.md; Cutkosky, Defazio & Mehta 2023; optax.contrib.mechanize
for s_j(0) = s_init and the eps under ||x||), betas b_j = 1 - 10^-j, j = 1..n:
  u = base update at x;  h = <Delta, g + lambda S ||g|| / (||x|| + eps) x>  (old Delta and S = sum s_j)
  Delta += u;  m_j = max(b_j m_j, |h|);  v_j = b_j^2 v_j + h^2;  r_j = max(0, b_j r_j - s_j h)
  s_j = (s_init/n m_j + r_j) / (sqrt(v_j) + eps);  x = x_ref + (sum s_j) Delta
Options reproducing optimizedlearning/mechanic (mechanic_pytorch.mechanize, the authors' PyTorch package):
  store_delta=False: Delta is recomputed as (x - x_ref) / (S + eps) before each step (not stored);
  as_mechanic_pytorch=True: s_j(0) = 0, m_j(0) = 1e-6, and the x, ||x|| of h are read after the base step.
The base optimizers are torch.optim's own; the C++ test wraps LibTorch's SGD and Adam, which implement
the same rules.
Cross-checked (official.py), x and the scale sum(s), tolerance 1e-12:
  cases with as_mechanic_pytorch against mechanic_pytorch.mechanize(torch.optim.SGD / Adam), run with
  torch's default dtype float64 (the package creates its tuner state in the default dtype; in float32
  it would round the scale to ~1e-7 relative);
  the equation cases against optax.contrib.mechanize(optax.sgd / optax.adam) (float64) and
  mechanic_pytorch: documented deviations (printed as DEVIATION with what differs).
"""
import math

import numpy as np
import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot


def mechanic(make_base, lam, s_init, eps, n, steps, store_delta=True, as_pytorch=False):
    x = [W0.clone().requires_grad_(), B0.clone().requires_grad_()]
    base = make_base(x)
    x_ref = [p.detach().clone() for p in x]
    stored = [torch.zeros_like(p) for p in x_ref]
    betas = [1 - 10.0 ** -j for j in range(1, n + 1)]
    s = [0.0 if as_pytorch else s_init] * n
    r, v = [0.0] * n, [0.0] * n
    m = [1e-6 if as_pytorch else 0.0] * n
    traj = []
    for _ in range(steps):
        g = grads([p.detach() for p in x])
        with torch.no_grad():
            S = sum(s)
            delta = stored if store_delta else [(p.detach() - xr) / (S + eps) for p, xr in zip(x, x_ref)]
            g_norm = math.sqrt(sum((gi ** 2).sum().item() for gi in g))
            before = [p.detach().clone() for p in x]

            def h_of(xs):
                x_norm = math.sqrt(sum((p ** 2).sum().item() for p in xs))
                return sum(torch.dot(di.flatten(), (gi + lam * S * g_norm / (x_norm + eps) * p).flatten()).item()
                           for di, gi, p in zip(delta, g, xs))

            if not as_pytorch:
                h = h_of(before)
            for p, gi in zip(x, g):
                p.grad = gi.clone()
            base.step()
            if as_pytorch:
                h = h_of([p.detach() for p in x])
            delta = [di + (p.detach() - b) for di, p, b in zip(delta, x, before)]
            stored = delta
            for j, b in enumerate(betas):
                m[j] = max(b * m[j], abs(h))
                v[j] = b * b * v[j] + h * h
                r[j] = max(0.0, b * r[j] - s[j] * h)
            s = [(s_init / n * m[j] + r[j]) / (math.sqrt(v[j]) + eps) for j in range(n)]
            S = sum(s)
            for p, xr, di in zip(x, x_ref, delta):
                p.copy_(xr + S * di)
        traj.append({"x": snapshot([p.detach() for p in x]), "scale": S})
    return traj


def check_mechanic_pytorch(label, traj, base, lr, lam, s_init, n, store_delta, deviation):
    try:
        import mechanic_pytorch
    except ImportError as exc:
        official.unavailable(label, "mechanic_pytorch.mechanize", exc)
        return
    base_cls = torch.optim.SGD if base == "sgd" else torch.optim.Adam
    betas = tuple(1 - 10.0 ** -j for j in range(1, n + 1))
    cls = mechanic_pytorch.mechanize(base_cls, s_decay=lam, betas=betas, s_init=s_init, eps=1e-8,
                                     store_delta=store_delta)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = official.torch_trajectory(
            lambda ps: cls(ps, lr=lr), initial(), loss_fn, len(traj),
            record=lambda ps, opt: {"x": snapshot([p.detach() for p in ps]),
                                    "scale": float(opt.state["_mechanic"]["s"].sum())})
    finally:
        torch.set_default_dtype(default_dtype)
    official.compare(
        label, traj, theirs,
        f"mechanic_pytorch.mechanize(torch.optim.{base_cls.__name__}, store_delta={store_delta}) "
        f"({official.version('mechanic-pytorch')}, default dtype float64)", 1e-12,
        "the equations' initial state and x: mechanic_pytorch starts s_j at 0 (not s_init) and m_j at 1e-6 "
        "(not 0), so after step 1 (h = 0) its s_j = b_j 1e-6 (s_init / n) / eps (sum ~ 100 s_init) where ours "
        "are 0 and x stays at x_ref; it reads x after the base step in h; with store_delta=False it recomputes "
        "Delta = (x - x_ref) / (sum s + eps). Reproduced by as_mechanic_pytorch (+ store_delta=false)"
        if deviation else "as_mechanic_pytorch should reproduce the package: initial s_j, m_j, x after the base "
        "step, Delta recomputed when store_delta is false", deviation=deviation)


cases = []
# (base, lr, lambda, s_init, n, store_delta, as_mechanic_pytorch): 0-2 the equations, 3-5 mechanic_pytorch.
for base, lr, lam, s_init, n, store_delta, as_pytorch in [
        ("sgd", 0.1, 0.01, 1e-8, 6, True, False), ("adam", 0.01, 0.01, 1e-8, 6, True, False),
        ("sgd", 0.05, 0.0, 1e-4, 3, True, False),
        ("sgd", 0.1, 0.01, 1e-8, 6, False, True), ("adam", 0.01, 0.01, 1e-8, 6, False, True),
        ("adam", 0.05, 0.1, 1e-4, 3, True, True)]:
    make = (lambda ps, lr=lr: torch.optim.SGD(ps, lr=lr)) if base == "sgd" else \
           (lambda ps, lr=lr: torch.optim.Adam(ps, lr=lr))
    traj = mechanic(make, lam, s_init, 1e-8, n, 15, store_delta, as_pytorch)
    label = f"mechanic case {len(cases)} ({base}{', as_mechanic_pytorch' if as_pytorch else ''}" \
            f"{'' if store_delta else ', store_delta=false'})"
    if not as_pytorch:
        try:
            import optax
            import optax.contrib
            inner = optax.sgd(lr) if base == "sgd" else optax.adam(lr)
            official.compare(label, traj, official.optax_trajectory(
                optax.contrib.mechanize(inner, weight_decay=lam, eps=1e-8, s_init=s_init, num_betas=n), initial(),
                grads, 15, record=lambda ps, st: {"x": snapshot([torch.from_numpy(np.asarray(p)) for p in ps]),
                                                  "scale": float(np.sum(np.asarray(st.s)))}),
                f"optax.contrib.mechanize(optax.{base}) ({official.version('optax')})", 1e-12,
                "tuner details: optax takes m_j = max(b_j m_j, |h| + eps) (ours: |h|, no + eps), clips h to "
                "[-m_j, m_j] (old m) in the reward, and recomputes Delta = (x - x0) / (sum s + eps); at step 1 "
                "(h = 0) that gives sum s = s_init where ours gives 0, so x differs from step 1 on by ~s_init |u|",
                deviation=True)
        except ImportError as exc:
            official.unavailable(label, "optax.contrib.mechanize", exc)
    check_mechanic_pytorch(label, traj, base, lr, lam, s_init, n, store_delta if as_pytorch else False,
                           deviation=not as_pytorch)
    cases.append({"base": base, "lr": lr, "weight_decay": lam, "s_init": s_init, "eps": 1e-8, "num_betas": n,
                  "store_delta": store_delta, "as_mechanic_pytorch": as_pytorch, "trajectory": traj})
dump({"mechanic": cases})
