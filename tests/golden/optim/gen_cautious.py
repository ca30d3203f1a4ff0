#!/usr/bin/env python3
"""Golden trajectories for the cautious forms of trainperf's AdamW and NAdamW (Liang et al. 2024,
"Cautious Optimizers"), written from the equations at step t (from 1):
  x *= 1 - lr wd;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
  u = m (AdamW) or b1 m + (1-b1) g (NAdamW's look-ahead)
  mask = 1[u g > 0] / max(mean(1[u g > 0]), 1e-3)     (mean over the tensor)
  x -= lr (u mask / (1-b1^t)) / (sqrt(v) / sqrt(1-b2^t) + eps)

Cross-checked (official.py), float64, tolerance 1e-12:
  cautious AdamW against kyleliang919/C-Optim c_adamw.py AdamW (from $TRAINPERF_COPTIM), its default
  foreach=True path (run eagerly: torch.compile cannot trace that path's generator function in torch
  2.15, so the decorator is the identity while importing it; the code runs unchanged), whose eps sits outside sqrt(v)/sqrt(1-b2^t)
  as here; its foreach=False path puts eps outside sqrt(v) with step lr sqrt(1-b2^t)/(1-b1^t)
  (transformers' AdamW) and is compared as a NOTE;
  cautious NAdamW against the Cautious NAdamW entry of AlgoPerf's 2026 self-tuning round
  (mlcommons/submissions_algorithms branch a100_scoring, submissions/self_tuning/cautious_nadamw,
  JAX: its scale_by_nadam masks the bias-corrected look-ahead; from $TRAINPERF_ALGOPERF_A100).
Every case is checked to mask at least one coordinate somewhere along its trajectory.
Run with (after scripts/install-deps.sh --with-reference, checkouts as in docs/golden-references.md):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_cautious.py -o tests/golden/optim/cautious.json
"""
import json
import math
import os
import sys
import tempfile

import torch

import official
import problem


def cautious(kind, lr, b1, b2, eps, wd, steps, masked):
    m = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]
    v = [torch.zeros_like(problem.W0), torch.zeros_like(problem.B0)]

    def update(params, grads, t):
        for i, (p, g) in enumerate(zip(params, grads)):
            p *= 1 - lr * wd
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            u = m[i] if kind == "adamw" else b1 * m[i] + (1 - b1) * g
            agree = (u * g > 0).to(u.dtype)
            masked[0] += int((agree == 0).sum())
            mask = agree / max(float(agree.mean()), 1e-3)
            p -= lr * (u * mask / (1 - b1 ** t)) / (torch.sqrt(v[i]) / math.sqrt(1 - b2 ** t) + eps)

    return problem.run(update, steps)


def coptim_adamw(label):
    """kyleliang919/C-Optim's c_adamw module, or None (reported). It imports its sibling opt_utils
    relatively, so the checkout is imported as a package through a symbolic link."""
    root = official.checkout("TRAINPERF_COPTIM", "kyleliang919/C-Optim")
    if root is None:
        official.skip(label, "kyleliang919/C-Optim's c_adamw.py not checked: set TRAINPERF_COPTIM to a checkout "
                             "(docs/golden-references.md)")
        return None
    try:
        import atexit
        import importlib
        import shutil
        tmp = tempfile.mkdtemp(prefix="trainperf-coptim-")
        atexit.register(shutil.rmtree, tmp, True)
        os.symlink(root, os.path.join(tmp, "c_optim"))
        sys.path.insert(0, tmp)
        # The foreach path is a generator under @torch.compile(fullgraph=True), which Dynamo refuses to
        # trace: the decorator is made the identity while the module is imported (TORCHDYNAMO_DISABLE's
        # effect), so the official function runs eagerly, unchanged.
        compile_ = torch.compile
        torch.compile = lambda fn=None, **kw: fn if fn is not None else (lambda f: f)
        try:
            return importlib.import_module("c_optim.c_adamw")
        finally:
            torch.compile = compile_
    except Exception as exc:  # noqa: BLE001
        official.unavailable(label, "kyleliang919/C-Optim's c_adamw.py", exc)
        return None


STEPS = 12
ADAMW_CASES = [(0.05, 0.9, 0.999, 1e-8, 0.1), (0.1, 0.95, 0.99, 1e-8, 0.0)]
NADAMW_CASES = [(0.05, 0.9, 0.999, 1e-8, 0.1), (0.1, 0.93266, 0.9955, 1e-8, 0.08)]

c_adamw = coptim_adamw("cautious adamw (C-Optim)")
where_coptim = "kyleliang919/C-Optim c_adamw.py AdamW" + official.checkout_commit("TRAINPERF_COPTIM")
A100 = "submissions/self_tuning/cautious_nadamw/submission.py"
jax_nadamw = None
root = official.checkout("TRAINPERF_ALGOPERF_A100", "mlcommons/submissions_algorithms@a100_scoring")
if root is None:
    official.skip("cautious nadamw (AlgoPerf 2026)", f"AlgoPerf's {A100} not checked: set TRAINPERF_ALGOPERF_A100 "
                  "to an extract of mlcommons/submissions_algorithms branch a100_scoring (docs/golden-references.md)")
else:
    try:
        official.jax64()
        jax_nadamw = official.load_definitions(
            f"{root}/{A100}", ["nadamw", "scale_by_nadam", "ScaleByAdamState", "_update_moment", "_bias_correction",
                               "scale_by_learning_rate"])
        # The entry ran jax 0.4.28, whose jnp.clip took a_min/a_max; jax >= 0.6 names them min/max. Its
        # functions see a jax.numpy whose clip accepts the old names (same computation).
        import types
        import jax.numpy as jnp
        old_jnp = types.SimpleNamespace(**{n: getattr(jnp, n) for n in dir(jnp) if not n.startswith("__")})
        old_jnp.clip = lambda x, a_min=None, a_max=None: jnp.clip(x, min=a_min, max=a_max)
        jax_nadamw[1].__globals__["jnp"] = old_jnp
    except Exception as exc:  # noqa: BLE001
        official.unavailable("cautious nadamw (AlgoPerf 2026)", f"AlgoPerf's {A100}", exc)
where_a100 = f"mlcommons/submissions_algorithms {A100} nadamw" + official.checkout_commit("TRAINPERF_ALGOPERF_A100")

out = {**problem.problem()}
for kind, grid in (("adamw", ADAMW_CASES), ("nadamw", NADAMW_CASES)):
    cases = []
    for lr, b1, b2, eps, wd in grid:
        label = f"cautious {kind} case {len(cases)}"
        masked = [0]
        traj = cautious(kind, lr, b1, b2, eps, wd, STEPS, masked)
        assert masked[0] > 0, f"{label}: no coordinate is ever masked; the case would not test the mask"
        if kind == "adamw" and c_adamw is not None:
            for foreach in (True, False):
                theirs = problem.run_torch(lambda ps: c_adamw.AdamW(
                    ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd, foreach=foreach,
                    no_deprecation_warning=True), STEPS)
                official.compare(
                    label, traj, theirs, f"{where_coptim} (foreach={foreach})", 1e-12,
                    "C-AdamW: mask 1[m g > 0] / max(mean, 1e-3) on m; decay x *= 1 - lr wd unmasked" if foreach else
                    "foreach=False: eps outside sqrt(v) with step lr sqrt(1-b2^t)/(1-b1^t) (transformers' AdamW), "
                    "an O(eps) difference from torch's placement that the default foreach path and trainperf use",
                    note_only=not foreach)
        if kind == "nadamw" and jax_nadamw is not None:
            official.compare(label, traj, official.optax_trajectory(
                jax_nadamw[0](lr, b1=b1, b2=b2, eps=eps, weight_decay=wd), problem.initial(), problem.grads_list,
                STEPS), where_a100, 1e-12,
                "AlgoPerf's Cautious NAdamW: mask on the bias-corrected look-ahead, per-tensor mean clipped at 1e-3, "
                "then add_decayed_weights(wd) and scale(-lr)")
        cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "masked": masked[0],
                      "trajectory": traj})
    out[f"cautious_{kind}"] = cases

official.emit(json.dumps(out, indent=1))
