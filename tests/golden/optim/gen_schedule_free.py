#!/usr/bin/env python3
"""Golden trajectories for Schedule-Free AdamW and Schedule-Free SGD.

Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_schedule_free.py > tests/golden/optim/schedule_free.json
Equations (shared/spec/training-algorithms.md; Defazio et al. 2024), k counting from 0:
  gamma = lr min(1, (k+1)/warmup); lr_max = max(lr_max, gamma); w = (k+1)^r lr_max^p; W += w; c = w/W
  AdamW: z -= gamma wd y; v = b2 v + (1-b2) g^2; z -= gamma g / (sqrt(v/(1-b2^(k+1))) + eps)
  SGD:   z -= gamma (g + wd y)
  x = (1-c) x + c z;  y = b1 x + (1-b1) z.  Gradients at y; the trajectory records y and x.
AdamW as AlgoPerf's submissions ran it (form "algoperf_v05" / "algoperf_v06"): gamma floored at eps,
step = gamma sqrt(1-b2^(k+1)):
  v06: z -= step wd y; v = b2 v + (1-b2) g^2; z -= step g / (sqrt(v) + eps)
  v05: v = b2 v + (1-b2) g^2 in bfloat16 (v, sqrt(v) + eps rounded as the submission's in-place ops
       round them); z -= step g / (sqrt(v) + eps); z -= step wd x (x before its update)
Cross-checked (official.py), float64, tolerance 1e-12:
  library forms against schedulefree.AdamWScheduleFree and schedulefree.SGDScheduleFree (y = the
  parameters in train mode, x = the parameters after .eval());
  AlgoPerf forms against the submissions' own AdamWScheduleFree (v0.5 external_tuning/schedule_free_adamw)
  and AdamWScheduleFreeV2 (v0.6 external_tuning/schedule_free_adamw_v2) from $TRAINPERF_ALGOPERF_SUBMISSIONS
  (x = their parameters between steps, y = x lerp z by 1-b1, as their step computes it), and against
  schedulefree.AdamWScheduleFree as a documented deviation.
"""
import math

import torch

import official
from lr_free_problem import B0, W0, dump, grads, initial, loss_fn, snapshot


def schedule_free(kind, lr, b1, wd, warmup, r, power, steps, b2=0.999, eps=1e-8, form="library"):
    y = [W0.clone(), B0.clone()]
    z = [p.clone() for p in y]
    x = [p.clone() for p in y]
    v = [torch.zeros_like(p, dtype=torch.bfloat16 if form == "algoperf_v05" else p.dtype) for p in y]
    lr_max, weight_sum, traj = 0.0, 0.0, []
    for k in range(steps):
        g = grads(y)
        gamma = lr * (min(1.0, (k + 1) / warmup) if warmup > 0 else 1.0)
        if form != "library":
            gamma = max(gamma, eps)
        lr_max = max(lr_max, gamma)
        weight = (k + 1) ** r * lr_max ** power
        weight_sum += weight
        c = weight / weight_sum
        for i in range(2):
            if kind == "adamw" and form == "algoperf_v05":
                # bfloat16 v: a last-bit difference in g can flip its rounding, which moves the step by
                # ~1e-3 relative; so this form is written with the same in-place operations (the same
                # ATen kernels) the C++ uses, for z, x and y, to keep the golden bit-reproducible there.
                step = gamma * math.sqrt(1 - b2 ** (k + 1))
                v[i].mul_(b2).addcmul_(g[i], g[i], value=1 - b2)  # bfloat16, rounded after each operation
                z[i].addcdiv_(g[i], v[i].sqrt().add_(eps), value=-step)
                z[i].add_(x[i], alpha=-step * wd)
                x[i].mul_(1 - c).add_(z[i], alpha=c)
                y[i] = x[i].clone().mul_(b1).add_(z[i], alpha=1 - b1)
                continue
            elif kind == "adamw" and form == "algoperf_v06":
                step = gamma * math.sqrt(1 - b2 ** (k + 1))
                z[i] = z[i] - step * wd * y[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                z[i] = z[i] - step * g[i] / (torch.sqrt(v[i]) + eps)
            elif kind == "adamw":
                z[i] = z[i] - gamma * wd * y[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                z[i] = z[i] - gamma * g[i] / (torch.sqrt(v[i] / (1 - b2 ** (k + 1))) + eps)
            else:
                z[i] = z[i] - gamma * (g[i] + wd * y[i])
            x[i] = (1 - c) * x[i] + c * z[i]
            y[i] = b1 * x[i] + (1 - b1) * z[i]
        traj.append({"y": snapshot(y), "x": snapshot(x)})
    return traj


def official_schedule_free(make, steps):
    params = [p.clone().requires_grad_() for p in initial()]
    opt = make(params)
    opt.train()
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(*params).backward()
        opt.step()
        y = [p.detach().clone() for p in params]
        opt.eval()  # parameters become x
        x = [p.detach().clone() for p in params]
        opt.train()
        with torch.no_grad():
            for p, yi in zip(params, y):
                p.copy_(yi)  # back to y exactly (train() re-derives it from x and z with rounding)
        traj.append({"y": snapshot(y), "x": snapshot(x)})
    return traj


def check(label, traj, make, name, likely, deviation=False):
    try:
        import schedulefree
        official.compare(label, traj, official_schedule_free(lambda ps: make(schedulefree, ps), len(traj)),
                         f"schedulefree.{name} ({official.version('schedulefree')})", 1e-12, likely,
                         deviation=deviation)
    except ImportError as exc:
        official.unavailable(label, f"schedulefree.{name}", exc)


ALGOPERF_SUBMISSIONS = {
    "algoperf_v05": ("previous_leaderboards/algoperf_v05/submissions/external_tuning/schedule_free_adamw/submission.py",
                     "AdamWScheduleFree"),
    "algoperf_v06": ("previous_leaderboards/algoperf_v06/submissions/external_tuning/schedule_free_adamw_v2/"
                     "submission.py", "AdamWScheduleFreeV2"),
}


def check_algoperf(label, traj, form, kwargs):
    """Runs the AlgoPerf submission's own optimizer class (its step() takes the closure, and its
    parameters hold x between steps)."""
    import os
    relpath, cls_name = ALGOPERF_SUBMISSIONS[form]
    root = official.checkout("TRAINPERF_ALGOPERF_SUBMISSIONS", "mlcommons/submissions_algorithms")
    if root is None:
        official.skip(label, f"{relpath} not checked: set TRAINPERF_ALGOPERF_SUBMISSIONS to a checkout of "
                             "mlcommons/submissions_algorithms (docs/golden-references.md)")
        return
    try:
        (cls,) = official.load_definitions(os.path.join(root, relpath), [cls_name])
    except Exception as exc:  # noqa: BLE001
        official.unavailable(label, relpath, exc)
        return
    params = [p.clone().requires_grad_() for p in initial()]
    opt = cls(params, **kwargs)
    b1 = kwargs["betas"][0]
    theirs = []
    for _ in range(len(traj)):
        def closure():
            opt.zero_grad()
            loss = loss_fn(*params)
            loss.backward()
            return loss
        opt.step(closure)
        x = [p.detach().clone() for p in params]
        y = [xi.lerp(opt.state[p]["z"], 1 - b1) for xi, p in zip(x, params)]
        theirs.append({"y": snapshot(y), "x": snapshot(x)})
    official.compare(label, traj, theirs,
                     f"{cls_name} of mlcommons/submissions_algorithms {relpath.split('/')[1]} "
                     f"({official.checkout_commit('TRAINPERF_ALGOPERF_SUBMISSIONS') or 'checkout'})", 1e-12,
                     "the AlgoPerf form: step lr sqrt(1-b2^(k+1)) over sqrt(v) + eps, lr floored at eps, decay "
                     "from y before (v0.6) or from x after (v0.5) the gradient step, v in bfloat16 (v0.5)")


# Cross-checks of this reference against torch.optim: with b1 = 0 the gradient point y is z, so
# Schedule-Free AdamW's y follows Adam with beta1 = 0 and Schedule-Free SGD's y follows plain SGD.
def torch_trajectory(make, steps):
    w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
    opt = make([w, b])
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(w, b).backward()
        opt.step()
    return w.detach().flatten()


ref = schedule_free("adamw", 0.05, 0.0, 0.0, 0, 0.0, 2.0, 6, b2=0.99)
assert torch.allclose(torch.tensor(ref[-1]["y"]["w"]),
                      torch_trajectory(lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.0, 0.99), eps=1e-8), 6),
                      atol=1e-12)
ref = schedule_free("sgd", 0.1, 0.0, 0.0, 0, 0.0, 2.0, 6)
assert torch.allclose(torch.tensor(ref[-1]["y"]["w"]),
                      torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1), 6), atol=1e-12)

adamw_cases, sgd_cases = [], []
# Cases 2-4 are AlgoPerf's forms; the v0.6 submission has no r (its weights are lr^p): r = 0 there.
for lr, b1, b2, wd, warmup, r, power, form in [
        (0.05, 0.9, 0.999, 0.1, 3, 0.75, 2.0, "library"), (0.02, 0.95, 0.99, 0.0, 0, 0.0, 1.0, "library"),
        (0.05, 0.9, 0.999, 0.1, 3, 0.75, 2.0, "algoperf_v05"), (0.02, 0.9, 0.9955, 0.08, 4, 0.0, 2.0, "algoperf_v06"),
        (0.01, 0.925, 0.99, 0.04, 0, 0.75, 2.0, "algoperf_v05")]:
    adamw_cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": 1e-8, "weight_decay": wd, "warmup_steps": warmup,
                        "r": r, "weight_lr_power": power, "form": form,
                        "trajectory": schedule_free("adamw", lr, b1, wd, warmup, r, power, 10, b2=b2, form=form)})
    label = f"schedule_free_adamw case {len(adamw_cases) - 1} ({form})"
    check(label, adamw_cases[-1]["trajectory"],
          lambda m, ps: m.AdamWScheduleFree(ps, lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd,
                                            warmup_steps=warmup, r=r, weight_lr_power=power),
          "AdamWScheduleFree", "AdamWScheduleFree: eps outside sqrt(v / (1 - b2^(k+1))), decay gamma wd y on z, "
                               "warmup (k+1)/warmup, weights (k+1)^r lr_max^p" if form == "library" else
          "AlgoPerf's form differs from the library: step lr sqrt(1-b2^(k+1)) over sqrt(v) + eps (the library: lr "
          "over sqrt(v/(1-b2^(k+1))) + eps), decay scaled by that step (v0.5: from x after the gradient step), v in "
          "bfloat16 (v0.5)", deviation=form != "library")
    if form != "library":
        kwargs = dict(lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd, warmup_steps=warmup, weight_lr_power=power)
        if form == "algoperf_v05":
            kwargs["r"] = r
        check_algoperf(label, adamw_cases[-1]["trajectory"], form, kwargs)
for lr, b1, wd, warmup, r, power in [(0.2, 0.9, 0.05, 4, 0.5, 2.0), (0.1, 0.8, 0.0, 0, 0.0, 2.0)]:
    sgd_cases.append({"lr": lr, "momentum": b1, "weight_decay": wd, "warmup_steps": warmup, "r": r,
                      "weight_lr_power": power, "trajectory": schedule_free("sgd", lr, b1, wd, warmup, r, power, 10)})
    check(f"schedule_free_sgd case {len(sgd_cases) - 1}", sgd_cases[-1]["trajectory"],
          lambda m, ps: m.SGDScheduleFree(ps, lr=lr, momentum=b1, weight_decay=wd, warmup_steps=warmup, r=r,
                                          weight_lr_power=power),
          "SGDScheduleFree", "SGDScheduleFree: z -= gamma (g + wd y), weights (k+1)^r lr_max^p")
dump({"schedule_free_adamw": adamw_cases, "schedule_free_sgd": sgd_cases})
