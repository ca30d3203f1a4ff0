#!/usr/bin/env python3
"""Golden trajectories for trainperf's AdEMAMix (Pagliardini, Ablin & Grangier 2024), written from the
equations at step t (from 1), as the official PyTorch code states them:
  alpha_t = alpha min(1, t / T_alpha)      (linear from 0; T_alpha = 0: no warm-up)
  beta3_t = f^-1((1 - a) f(beta1) + a f(beta3)), a = t / T_beta3, while t < T_beta3, else beta3,
            f(b) = log(0.5) / log(b + 1e-8) - 1,  f^-1(h) = 0.5^(1 / (h + 1))
  m1 = b1 m1 + (1-b1) g  (m1 = g when b1 = 0);  m2 = beta3_t m2 + (1-beta3_t) g;  v = b2 v + (1-b2) g^2
  x -= lr ((m1 / (1-b1^t) + alpha_t m2) / (sqrt(v) / sqrt(1-b2^t) + eps) + wd x)

Cross-checked (official.py), float64, tolerance 1e-12, for every case:
  the official PyTorch AdEMAMix (apple/ml-ademamix pytorch/ademamix.py, from $TRAINPERF_ADEMAMIX);
  the copy AlgoPerf's 2026 self-tuning entry ran (mlcommons/submissions_algorithms branch a100_scoring,
  submissions/self_tuning/ademamix/submission.py, from $TRAINPERF_ALGOPERF_A100);
  the warm-up functions against the official linear_warmup_scheduler / linear_hl_warmup_scheduler;
  the official optax form (apple/ml-ademamix optax/ademamix.py) and optax.contrib.ademamix: these agree
  where no warm-up runs; with warm-ups their schedules are evaluated at t - 1 (count_m2 before its
  increment) and beta3's f has no + 1e-8, which is reported as a NOTE (the PyTorch form is the one
  AlgoPerf ran and trainperf follows).
Run with (after scripts/install-deps.sh --with-reference, checkouts as in docs/golden-references.md):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_ademamix.py -o tests/golden/optim/ademamix.json
"""
import json
import math

import torch

import official
import problem


def alpha_at(t, alpha, warmup):
    return alpha * t / warmup if t < warmup else alpha


def beta3_at(t, beta1, beta3, warmup):
    if t >= warmup:
        return beta3
    half_life = lambda b: math.log(0.5) / math.log(b + 1e-8) - 1
    a = t / warmup
    return 0.5 ** (1 / ((1 - a) * half_life(beta1) + a * half_life(beta3) + 1))


def ademamix(c, steps):
    m1 = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    m2 = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    v = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    b1, b2 = c["beta1"], c["beta2"]

    def update(params, grads, t):
        alpha = alpha_at(t, c["alpha"], c["alpha_warmup"])
        b3 = beta3_at(t, b1, c["beta3"], c["beta3_warmup"])
        for i, (p, g) in enumerate(zip(params, grads)):
            m1[i] = b1 * m1[i] + (1 - b1) * g
            m2[i] = b3 * m2[i] + (1 - b3) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            denom = torch.sqrt(v[i]) / math.sqrt(1 - b2 ** t) + c["eps"]
            p -= c["lr"] * ((m1[i] / (1 - b1 ** t) + alpha * m2[i]) / denom + c["weight_decay"] * p)

    return problem.run(update, steps)


STEPS = 10
# Warm-ups in steps (0 = none); case 4 is AlgoPerf's 2026 self-tuning configuration (its warm-ups of
# 500e3 steps never finish within a workload's step_hint, so alpha stays near 0 here).
CASES = [
    dict(lr=0.01, beta1=0.9, beta2=0.999, beta3=0.9999, alpha=2.0, alpha_warmup=0, beta3_warmup=0, eps=1e-8,
         weight_decay=0.1),
    dict(lr=0.01, beta1=0.8, beta2=0.995, beta3=0.9995, alpha=8.0, alpha_warmup=6, beta3_warmup=6, eps=1e-8,
         weight_decay=0.1),
    dict(lr=0.005, beta1=0.0, beta2=0.99, beta3=0.999, alpha=5.0, alpha_warmup=4, beta3_warmup=8, eps=1e-6,
         weight_decay=0.0),
    dict(lr=0.005, beta1=0.0, beta2=0.99, beta3=0.99, alpha=3.0, alpha_warmup=0, beta3_warmup=0, eps=1e-8,
         weight_decay=0.05),
    dict(lr=2e-3, beta1=0.8, beta2=0.995, beta3=0.9995, alpha=8.0, alpha_warmup=500e3, beta3_warmup=500e3, eps=1e-8,
         weight_decay=0.1),
]

official_torch = official.import_checkout_module("TRAINPERF_ADEMAMIX", "apple/ml-ademamix", "pytorch/ademamix.py",
                                                 "ademamix (official PyTorch)")
official_optax = None
if official_torch is not None:
    try:
        official.jax64()
        official_optax = official.import_checkout_module("TRAINPERF_ADEMAMIX", "apple/ml-ademamix",
                                                         "optax/ademamix.py", "ademamix (official optax)")
    except ImportError as exc:
        official.unavailable("ademamix (official optax)", "jax", exc)
A100 = "submissions/self_tuning/ademamix/submission.py"
algoperf = None
root = official.checkout("TRAINPERF_ALGOPERF_A100", "mlcommons/submissions_algorithms@a100_scoring")
if root is None:
    official.skip("ademamix (AlgoPerf 2026)", f"AlgoPerf's {A100} not checked: set TRAINPERF_ALGOPERF_A100 to an "
                  "extract of mlcommons/submissions_algorithms branch a100_scoring (docs/golden-references.md)")
else:
    try:
        algoperf = official.load_definitions(f"{root}/{A100}", ["AdEMAMix", "linear_warmup_scheduler",
                                                                "linear_hl_warmup_scheduler"])
    except Exception as exc:  # noqa: BLE001
        official.unavailable("ademamix (AlgoPerf 2026)", f"AlgoPerf's {A100}", exc)
where_torch = "apple/ml-ademamix pytorch/ademamix.py AdEMAMix" + official.checkout_commit("TRAINPERF_ADEMAMIX")
where_a100 = ("mlcommons/submissions_algorithms " + A100 + " AdEMAMix"
              + official.checkout_commit("TRAINPERF_ALGOPERF_A100"))


def run_official(cls, c):
    return problem.run_torch(lambda ps: cls(
        ps, lr=c["lr"], betas=(c["beta1"], c["beta2"], c["beta3"]), alpha=c["alpha"],
        beta3_warmup=c["beta3_warmup"] or None, alpha_warmup=c["alpha_warmup"] or None, eps=c["eps"],
        weight_decay=c["weight_decay"]), STEPS)


cases = []
for c in CASES:
    label = f"ademamix case {len(cases)}"
    traj = ademamix(c, STEPS)
    likely = ("official PyTorch AdEMAMix: m1 bias-corrected, m2 not, eps outside sqrt(v)/sqrt(1-b2^t), "
              "decay wd x added to the update before lr, warm-ups at the step after its increment")
    if official_torch is not None:
        official.compare(label, traj, run_official(official_torch.AdEMAMix, c), where_torch, 1e-12, likely)
    if algoperf is not None:
        official.compare(label, traj, run_official(algoperf[0], c), where_a100, 1e-12, likely)
    warm = c["alpha_warmup"] > 0 or c["beta3_warmup"] > 0
    optax_likely = ("the optax forms evaluate the alpha and beta3 schedules at count_m2 = t - 1 (before its "
                    "increment) and take log(beta) without + 1e-8: a one-step shift of the warm-ups")
    if official_optax is not None:
        tx = official_optax.ademamix(
            c["lr"], b1=c["beta1"], b2=c["beta2"], b3=c["beta3"], alpha=c["alpha"],
            b3_scheduler=official_optax.beta3_scheduler(c["beta3"], c["beta1"], c["beta3_warmup"])
            if c["beta3_warmup"] else None,
            alpha_scheduler=official_optax.alpha_scheduler(c["alpha"], 0, c["alpha_warmup"])
            if c["alpha_warmup"] else None,
            eps=c["eps"], weight_decay=c["weight_decay"])
        official.compare(label, traj, official.optax_trajectory(tx, problem.initial(), problem.grads_list, STEPS),
                         "apple/ml-ademamix optax/ademamix.py ademamix", 1e-12, optax_likely, note_only=warm)
    if not warm:
        try:
            import optax
            tx = optax.contrib.ademamix(c["lr"], b1=c["beta1"], b2=c["beta2"], b3=c["beta3"], alpha=c["alpha"],
                                        eps=c["eps"], weight_decay=c["weight_decay"])
            official.compare(label, traj, official.optax_trajectory(tx, problem.initial(), problem.grads_list, STEPS),
                             f"optax.contrib.ademamix ({official.version('optax')})", 1e-12, optax_likely)
        except ImportError as exc:
            official.unavailable(label, "optax.contrib.ademamix", exc)
    cases.append({**c, "trajectory": traj})

# The warm-up functions alone, over and past their warm-ups.
schedules = []
for alpha, beta1, beta3, warmup in [(8.0, 0.9, 0.9999, 10), (5.0, 0.0, 0.999, 7), (8.0, 0.8, 0.9995, 500e3)]:
    ts = [1, 2, 3, 5, 6, 7, 9, 10, 11, 50] if warmup < 100 else [1, 2, 1000, 250000, 499999, 500000, 500001]
    ours = {"alpha": [alpha_at(t, alpha, warmup) for t in ts], "beta3": [beta3_at(t, beta1, beta3, warmup) for t in ts]}
    label = f"ademamix warm-ups T={warmup:g}"
    for fns, where in ([(official_torch.linear_warmup_scheduler, official_torch.linear_hl_warmup_scheduler)
                        if official_torch else None, where_torch],
                       [(algoperf[1], algoperf[2]) if algoperf else None, where_a100]):
        if fns:
            theirs = {"alpha": [fns[0](t, alpha_end=alpha, alpha_start=0, warmup=warmup) for t in ts],
                      "beta3": [fns[1](t, beta_end=beta3, beta_start=beta1, warmup=warmup) for t in ts]}
            official.compare(label, ours, theirs, where.replace(" AdEMAMix", " warm-up functions"), 1e-15,
                             "alpha linear from 0; beta3 linear in half-life space from beta1")
    schedules.append({"alpha": alpha, "beta1": beta1, "beta3": beta3, "warmup": warmup, "t": ts, **ours})

official.emit(json.dumps({**problem.problem(), "ademamix": cases, "warmups": schedules}, indent=1))
