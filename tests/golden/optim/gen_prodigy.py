#!/usr/bin/env python3
"""Golden trajectories for Prodigy.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_prodigy.py > tests/golden/optim/prodigy.json
Equations (shared/spec/training-algorithms.md; Mishchenko & Defazio 2024, prodigyopt 1.0), k from 0:
  dlr = d lr bc (bc = sqrt(1-b2^(k+1))/(1-b1^(k+1)) with bias correction, else 1);  r = b3 r
  per tensor: r += (d/d0) dlr <g, x0 - x>; m = b1 m + (1-b1) d g; v = b2 v + (1-b2) d^2 g^2
              s = b3 s + (d/d0) dlr g (safeguard_warmup: d instead of dlr); denom += ||s||_1
  d^ = d_coef r / denom; while d = d0: d = max(d, d^) (prodigyopt: the first increase skips the growth
  cap; cap_first_increase=true skips this line); d_max = max(d_max, d^); d = min(d_max, d growth)
  (d_max starts at d0)
  x = x (1 - wd dlr) (decoupled; coupled: g += wd x);  x = x - dlr m / (sqrt(v) + d_new eps)
Cross-checked (official.py) against prodigyopt.Prodigy (x and d), float64, tolerance 1e-12. Case 3
(cap_first_increase, the equations of shared/spec) is a documented deviation: prodigyopt's first
increase of d is not capped by growth_rate.
"""
import math

import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot

INF = float("inf")


def prodigy(lr, b1, b2, b3, eps, wd, decouple, bias_correction, safeguard, d0, d_coef, growth, steps,
            cap_first=False):
    b3 = math.sqrt(b2) if b3 is None else b3
    x = [W0.clone(), B0.clone()]
    x0 = [p.clone() for p in x]
    m = [torch.zeros_like(p) for p in x]
    v = [torch.zeros_like(p) for p in x]
    s = [torch.zeros_like(p) for p in x]
    d, d_max, r, k, traj = d0, d0, 0.0, 0, []
    for _ in range(steps):
        g = grads(x)
        if wd != 0 and not decouple:
            g = [gi + wd * xi for gi, xi in zip(g, x)]
        bc = math.sqrt(1 - b2 ** (k + 1)) / (1 - b1 ** (k + 1)) if bias_correction else 1.0
        dlr = d * lr * bc
        r_new, denom = b3 * r, 0.0
        for i in range(2):
            r_new += (d / d0) * dlr * torch.dot(g[i].flatten(), (x0[i] - x[i]).flatten()).item()
            m[i] = b1 * m[i] + (1 - b1) * d * g[i]
            v[i] = b2 * v[i] + (1 - b2) * d * d * g[i] * g[i]
            s[i] = b3 * s[i] + (d / d0) * (d if safeguard else dlr) * g[i]
            denom += s[i].abs().sum().item()
        if denom == 0:
            traj.append({"x": snapshot(x), "d": d})
            continue
        r = r_new
        d_hat = d_coef * r / denom
        if not cap_first and d == d0:
            d = max(d, d_hat)
        d_max = max(d_max, d_hat)
        d_new = min(d_max, d * growth)
        for i in range(2):
            if wd != 0 and decouple:
                x[i] = x[i] * (1 - wd * dlr)
            x[i] = x[i] - dlr * m[i] / (torch.sqrt(v[i]) + d_new * eps)
        d = d_new
        k += 1
        traj.append({"x": snapshot(x), "d": d})
    return traj


cases = []
for cfg in [dict(lr=1.0, b1=0.9, b2=0.999, b3=None, wd=0.0, decouple=True, bc=False, safeguard=False, d0=1e-6,
                 d_coef=1.0, growth=INF),
            dict(lr=0.5, b1=0.9, b2=0.99, b3=None, wd=0.1, decouple=True, bc=True, safeguard=True, d0=1e-4,
                 d_coef=2.0, growth=INF),
            dict(lr=1.0, b1=0.8, b2=0.999, b3=0.9, wd=0.05, decouple=False, bc=False, safeguard=False, d0=1e-3,
                 d_coef=0.5, growth=1.2),
            dict(lr=1.0, b1=0.8, b2=0.999, b3=0.9, wd=0.05, decouple=False, bc=False, safeguard=False, d0=1e-3,
                 d_coef=0.5, growth=1.2, cap_first=True)]:
    cap_first = cfg.get("cap_first", False)
    traj = prodigy(cfg["lr"], cfg["b1"], cfg["b2"], cfg["b3"], 1e-8, cfg["wd"], cfg["decouple"], cfg["bc"],
                   cfg["safeguard"], cfg["d0"], cfg["d_coef"], cfg["growth"], 12, cap_first)
    label = f"prodigy case {len(cases)}" + (" (cap_first_increase)" if cap_first else "")
    try:
        import prodigyopt
        official.compare(label, traj, official.torch_trajectory(
            lambda ps: prodigyopt.Prodigy(ps, lr=cfg["lr"], betas=(cfg["b1"], cfg["b2"]), beta3=cfg["b3"], eps=1e-8,
                                          weight_decay=cfg["wd"], decouple=cfg["decouple"],
                                          use_bias_correction=cfg["bc"], safeguard_warmup=cfg["safeguard"],
                                          d0=cfg["d0"], d_coef=cfg["d_coef"], growth_rate=cfg["growth"]),
            initial(), loss_fn, 12,
            record=lambda ps, opt: {"x": snapshot([p.detach() for p in ps]), "d": float(opt.param_groups[0]["d"])}),
            f"prodigyopt.Prodigy ({official.version('prodigyopt')})", 1e-12,
            "growth-rate cap on the first increase of d: prodigyopt (1.0 and 1.1.x) sets d = max(d, d^) while "
            "d == d0 before d = min(d_max, d growth_rate), so its first increase is not limited by growth_rate; "
            "cap_first_increase (shared/spec's equations) caps every increase. Only a finite growth_rate shows it",
            deviation=cap_first)
    except ImportError as exc:
        official.unavailable(label, "prodigyopt.Prodigy", exc)
    cases.append({"lr": cfg["lr"], "beta1": cfg["b1"], "beta2": cfg["b2"], "beta3": cfg["b3"], "eps": 1e-8,
                  "weight_decay": cfg["wd"], "decouple": cfg["decouple"], "use_bias_correction": cfg["bc"],
                  "safeguard_warmup": cfg["safeguard"], "d0": cfg["d0"], "d_coef": cfg["d_coef"],
                  "growth_rate": cfg["growth"] if cfg["growth"] != INF else "inf", "cap_first_increase": cap_first,
                  "trajectory": traj})
dump({"prodigy": cases})
