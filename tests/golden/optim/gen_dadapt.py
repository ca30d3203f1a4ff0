#!/usr/bin/env python3
"""Golden trajectories for D-Adaptation Adam and D-Adaptation SGD.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_dadapt.py > tests/golden/optim/dadapt.json
Adam (shared/spec/training-algorithms.md; Defazio & Mishchenko 2023), k from 0:
  dlr = d lr bc, bc = sqrt(1-b2^(k+1))/(1-b1^(k+1)) with bias correction else 1
  per tensor, old s and v: num_acc += dlr <g, s/(sqrt(v)+eps)>; m = b1 m + (1-b1) dlr g;
  v = b2 v + (1-b2) g^2; s = sqrt(b2) s + (1-sqrt(b2)) dlr g; l1 += ||s||_1
  num = sqrt(b2) num + (1-sqrt(b2)) num_acc; d^ = num/((1-sqrt(b2)) l1); d = max(d, min(d^, d growth))
  x = x (1 - wd dlr) (decoupled) or g += wd x (coupled); x = x - m/(sqrt(v)+eps).  l1 = 0: skip.
SGD (dadaptation's DAdaptSGD), g including coupled wd x:
  dlr = d lr / ||g_0|| (||g_0|| of g + wd x; g0_norm_with_decay=false: of the raw gradient, as dadaptation); num += dlr <g, s>; s = s + dlr g; d^ = 2 num/||s||; d = max(d, min(d^, d growth))
  z = x0 - s; x = (1-c) x + c z with c = 1 - momentum.
Cross-checked (official.py) against dadaptation.DAdaptAdam and dadaptation.DAdaptSGD (x and d),
float64, tolerance 1e-12. DAdaptSGD case 1 (weight decay, g0_norm_with_decay) is a documented
deviation: dadaptation's ||g_0|| leaves out the wd x term (case 3 reproduces it).
"""
import math

import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot

INF = float("inf")


def dadapt_adam(lr, b1, b2, eps, wd, decouple, bias_correction, d0, growth, steps):
    x = [W0.clone(), B0.clone()]
    m = [torch.zeros_like(p) for p in x]
    v = [torch.zeros_like(p) for p in x]
    s = [torch.zeros_like(p) for p in x]
    d, num, k, traj = d0, 0.0, 0, []
    sb2 = math.sqrt(b2)
    for _ in range(steps):
        g = grads(x)
        if wd != 0 and not decouple:
            g = [gi + wd * xi for gi, xi in zip(g, x)]
        bc = math.sqrt(1 - b2 ** (k + 1)) / (1 - b1 ** (k + 1)) if bias_correction else 1.0
        dlr = d * lr * bc
        num_acc, l1 = 0.0, 0.0
        for i in range(2):
            num_acc += dlr * torch.dot(g[i].flatten(), (s[i] / (torch.sqrt(v[i]) + eps)).flatten()).item()
            m[i] = b1 * m[i] + (1 - b1) * dlr * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            s[i] = sb2 * s[i] + (1 - sb2) * dlr * g[i]
            l1 += s[i].abs().sum().item()
        if l1 == 0:
            traj.append({"x": snapshot(x), "d": d})
            continue
        num = sb2 * num + (1 - sb2) * num_acc
        d_hat = num / ((1 - sb2) * l1)
        d = max(d, min(d_hat, d * growth))
        for i in range(2):
            if wd != 0 and decouple:
                x[i] = x[i] * (1 - wd * dlr)
            x[i] = x[i] - m[i] / (torch.sqrt(v[i]) + eps)
        k += 1
        traj.append({"x": snapshot(x), "d": d})
    return traj


def dadapt_sgd(lr, momentum, wd, d0, growth, steps, g0_with_decay=True):
    x = [W0.clone(), B0.clone()]
    x0 = [p.clone() for p in x]
    s = [torch.zeros_like(p) for p in x]
    d, num, g0_norm, k, traj = d0, 0.0, None, 0, []
    for _ in range(steps):
        raw = grads(x)
        g = [gi + wd * xi for gi, xi in zip(raw, x)]
        if k == 0:
            g0_norm = math.sqrt(sum((gi ** 2).sum().item() for gi in (g if g0_with_decay else raw)))
        dlr = d * lr / g0_norm
        for i in range(2):
            num += dlr * torch.dot(g[i].flatten(), s[i].flatten()).item()
            s[i] = s[i] + dlr * g[i]
        s_norm = math.sqrt(sum((si ** 2).sum().item() for si in s))
        d_hat = 2 * num / s_norm
        d = max(d, min(d_hat, d * growth))
        c = 1 - momentum
        x = [(1 - c) * xi + c * (x0i - si) for xi, x0i, si in zip(x, x0, s)]
        k += 1
        traj.append({"x": snapshot(x), "d": d})
    return traj


def record(ps, opt):
    return {"x": snapshot([p.detach() for p in ps]), "d": float(opt.param_groups[0]["d"])}


def check(label, traj, make, name, likely, deviation=False):
    try:
        import dadaptation
        official.compare(label, traj, official.torch_trajectory(lambda ps: make(dadaptation, ps), initial(), loss_fn,
                                                                len(traj), record=record),
                         f"dadaptation.{name} ({official.version('dadaptation')})", 1e-12, likely, deviation=deviation)
    except ImportError as exc:
        official.unavailable(label, f"dadaptation.{name}", exc)


cases = {"dadapt_adam": [], "dadapt_sgd": []}
for lr, b1, b2, wd, decouple, bc, d0, growth in [(1.0, 0.9, 0.999, 0.0, True, False, 1e-6, INF),
                                                 (0.5, 0.8, 0.99, 0.1, True, True, 1e-3, INF),
                                                 (1.0, 0.9, 0.999, 0.05, False, False, 1e-4, 1.5)]:
    cases["dadapt_adam"].append({"lr": lr, "beta1": b1, "beta2": b2, "eps": 1e-8, "weight_decay": wd,
                                 "decouple": decouple, "use_bias_correction": bc, "d0": d0,
                                 "growth_rate": growth if growth != INF else "inf",
                                 "trajectory": dadapt_adam(lr, b1, b2, 1e-8, wd, decouple, bc, d0, growth, 12)})
    check(f"dadapt_adam case {len(cases['dadapt_adam']) - 1}", cases["dadapt_adam"][-1]["trajectory"],
          lambda m, ps: m.DAdaptAdam(ps, lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd, decouple=decouple,
                                     use_bias_correction=bc, d0=d0, growth_rate=growth),
          "DAdaptAdam", "DAdaptAdam: numerator with sqrt(b2) EMA, d^ = num / ((1 - sqrt(b2)) ||s||_1), "
                        "decoupled decay scaled by dlr")
for lr, momentum, wd, d0, growth, g0_with_decay in [(1.0, 0.0, 0.0, 1e-6, INF, True), (0.7, 0.9, 0.01, 1e-3, INF, True),
                                                   (1.0, 0.5, 0.0, 1e-4, 2.0, True), (0.7, 0.9, 0.01, 1e-3, INF, False)]:
    cases["dadapt_sgd"].append({"lr": lr, "momentum": momentum, "weight_decay": wd, "d0": d0,
                                "growth_rate": growth if growth != INF else "inf", "g0_norm_with_decay": g0_with_decay,
                                "trajectory": dadapt_sgd(lr, momentum, wd, d0, growth, 12, g0_with_decay)})
    check(f"dadapt_sgd case {len(cases['dadapt_sgd']) - 1}" + ("" if g0_with_decay else " (g0_norm_with_decay=false)"),
          cases["dadapt_sgd"][-1]["trajectory"],
          lambda m, ps: m.DAdaptSGD(ps, lr=lr, momentum=momentum, weight_decay=wd, d0=d0, growth_rate=growth),
          "DAdaptSGD", "||g_0|| with or without weight decay: dadaptation's DAdaptSGD computes g0_norm at k = 0 "
                       "with `grad.add(p.data, alpha=decay)` (not in place, so discarded): its ||g_0|| is of the raw "
                       "gradient, ours (g0_norm_with_decay, the default) of g + wd x. Only weight_decay != 0 shows it",
          deviation=g0_with_decay and wd != 0)
dump(cases)
