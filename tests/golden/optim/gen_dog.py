#!/usr/bin/env python3
"""Golden trajectories for DoG, L-DoG and the polynomial-decay average used to evaluate them.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_dog.py > tests/golden/optim/dog.json
Equations (shared/spec/training-algorithms.md; Ivgi, Hinder & Carmon 2023), g including coupled wd x:
  first step: r = reps_rel (1 + ||x0||), G = ||g0||^2 + eps;  then r = max(r, ||x_t - x0||), G += ||g_t||^2
  eta = lr r / sqrt(G);  x <- x - eta g.  DoG: norms over all parameters; L-DoG: per tensor.
  Average: a_0 = x_0;  a_t = (1 - c) a_{t-1} + c x_t,  c = (gamma + 1) / (t + gamma), t from 1.
Cross-checked (official.py) against dog-optimizer's dog.DoG / dog.LDoG and dog.PolynomialDecayAverager
(x and the average), float64, tolerance 1e-12.
"""
import math

import torch

import official
from lr_free_problem import B0, W0, dump, grads, loss_fn, snapshot


def dog(layerwise, lr, reps_rel, eps, wd, steps, gamma=8.0):
    x = [W0.clone(), B0.clone()]
    x0 = [p.clone() for p in x]
    avg = [p.clone() for p in x]
    traj = []
    r = G = None
    for t in range(1, steps + 1):
        g = [gi + wd * xi for gi, xi in zip(grads(x), x)]
        if layerwise:
            if t == 1:
                r = [reps_rel * (1 + xi.norm().item()) for xi in x]
                G = [(gi ** 2).sum().item() + eps for gi in g]
            else:
                r = [max(ri, (xi - x0i).norm().item()) for ri, xi, x0i in zip(r, x, x0)]
                G = [Gi + (gi ** 2).sum().item() for Gi, gi in zip(G, g)]
            eta = [lr * ri / math.sqrt(Gi) for ri, Gi in zip(r, G)]
        else:
            if t == 1:
                r = reps_rel * (1 + math.sqrt(sum((xi ** 2).sum().item() for xi in x)))
                G = sum((gi ** 2).sum().item() for gi in g) + eps
            else:
                r = max(r, math.sqrt(sum(((xi - x0i) ** 2).sum().item() for xi, x0i in zip(x, x0))))
                G += sum((gi ** 2).sum().item() for gi in g)
            eta = [lr * r / math.sqrt(G)] * 2
        x = [xi - e * gi for xi, e, gi in zip(x, eta, g)]
        c = (gamma + 1) / (t + gamma)
        avg = [(1 - c) * ai + c * xi for ai, xi in zip(avg, x)]
        traj.append({"x": snapshot(x), "average": snapshot(avg)})
    return traj


# Self-check: with one tensor, DoG and L-DoG coincide.
def single(layerwise):
    x = W0.clone()
    r = G = None
    for t in range(1, 4):
        g = 2 * x
        if t == 1:
            r, G = 1e-3 * (1 + x.norm().item()), (g ** 2).sum().item() + 1e-8
        else:
            r, G = max(r, (x - W0).norm().item()), G + (g ** 2).sum().item()
        x = x - r / math.sqrt(G) * g
    return x


assert torch.equal(single(True), single(False))

def official_dog(cls, lr, reps_rel, wd, steps):
    from dog import PolynomialDecayAverager

    model = torch.nn.Module()
    model.w = torch.nn.Parameter(W0.clone())
    model.b = torch.nn.Parameter(B0.clone())
    opt = cls([model.w, model.b], reps_rel=reps_rel, lr=lr, weight_decay=wd, eps=1e-8)
    averager = PolynomialDecayAverager(model, gamma=8.0)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model.w, model.b).backward()
        opt.step()
        averager.step()
        av = averager.averaged_model
        traj.append({"x": snapshot([model.w.detach(), model.b.detach()]),
                     "average": snapshot([av.w.detach(), av.b.detach()])})
    return traj


cases = {"dog": [], "ldog": []}
for name, layerwise in [("dog", False), ("ldog", True)]:
    for lr, reps_rel, wd in [(1.0, 1e-6, 0.0), (0.8, 1e-2, 0.05)]:
        traj = dog(layerwise, lr, reps_rel, 1e-8, wd, 12)
        label = f"{name} case {len(cases[name])}"
        try:
            import dog as dog_optimizer
            cls = dog_optimizer.LDoG if layerwise else dog_optimizer.DoG
            official.compare(label, traj, official_dog(cls, lr, reps_rel, wd, 12),
                             f"dog.{cls.__name__} + dog.PolynomialDecayAverager ({official.version('dog-optimizer')})",
                             1e-12, "DoG: r_eps = reps_rel (1 + ||x0||), G with eps at the first step, coupled wd; "
                             "L-DoG per tensor")
        except ImportError as exc:
            official.unavailable(label, "dog-optimizer", exc)
        cases[name].append({"lr": lr, "reps_rel": reps_rel, "eps": 1e-8, "weight_decay": wd, "gamma": 8.0,
                            "trajectory": traj})
dump(cases)
