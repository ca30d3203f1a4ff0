#!/usr/bin/env python3
"""Golden trajectories for trainperf's NAdamW and warmup+cosine schedule.

Written from the equations in shared/spec/training-algorithms.md, independently of the C++ code.
Cross-checked (official.py) against AlgoPerf's own NAdamW (the PyTorch class and the JAX
scale_by_nadam chain of algorithms/baselines/external_tuning/, from $TRAINPERF_ALGOPERF), optax.nadamw,
and the schedule against optax's linear_schedule + cosine_decay_schedule + join_schedules as AlgoPerf's
JAX baselines build it.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_nadamw.py > tests/golden/optim/nadamw.json
"""
import json
import math

import torch

import official

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(1234)
X = torch.randn(6, 4, generator=g)
Y = torch.randn(6, 3, generator=g)
W0 = torch.randn(3, 4, generator=g) * 0.5
B0 = torch.randn(3, generator=g) * 0.5


def loss_fn(w, b):
    return ((X @ w.T + b - Y) ** 2).mean() + 0.1 * (b ** 2).sum()


def nadamw(lr, b1, b2, eps, wd, steps):
    w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
    m = [torch.zeros_like(w), torch.zeros_like(b)]
    v = [torch.zeros_like(w), torch.zeros_like(b)]
    traj = []
    for t in range(1, steps + 1):
        for p in (w, b):
            p.grad = None
        loss_fn(w, b).backward()
        with torch.no_grad():
            for i, p in enumerate((w, b)):
                grad = p.grad
                p.mul_(1 - lr * wd)
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                m_tilde = b1 * m[i] + (1 - b1) * grad
                p.sub_(lr * (m_tilde / (1 - b1 ** t)) / (torch.sqrt(v[i] / (1 - b2 ** t)) + eps))
        traj.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return traj


def warmup_cosine(t, total, warmup_factor):
    warmup = int(warmup_factor * total)
    if t < warmup:
        return t / warmup
    if t >= total:
        return 0.0
    return 0.5 * (1 + math.cos(math.pi * (t - warmup) / max(total - warmup, 1)))


# Sanity check of this reference against torch.optim.AdamW: with beta1 = 0 the look-ahead is the
# gradient itself, so NAdamW and AdamW (decoupled decay scaled by lr) coincide.
ref = nadamw(0.01, 0.0, 0.99, 1e-8, 0.1, 5)
w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
opt = torch.optim.AdamW([w, b], lr=0.01, betas=(0.0, 0.99), eps=1e-8, weight_decay=0.1)
for t in range(5):
    opt.zero_grad()
    loss_fn(w, b).backward()
    opt.step()
assert torch.allclose(w.detach().flatten(), torch.tensor(ref[-1]["w"]), atol=1e-12)

def grads_list(params):
    w, b = (p.detach().clone().requires_grad_() for p in params)
    loss_fn(w, b).backward()
    return [w.grad, b.grad]


ALGOPERF = "algorithms/baselines/external_tuning/"
torch_nadamw = official.algoperf_definitions(ALGOPERF + "pytorch_nadamw_full_budget.py", ["NAdamW", "nadamw"],
                                            "nadamw (AlgoPerf PyTorch)")
jax_nadamw = official.algoperf_definitions(
    ALGOPERF + "jax_nadamw_full_budget.py",
    ["nadamw", "scale_by_nadam", "ScaleByAdamState", "_update_moment", "_bias_correction", "scale_by_learning_rate"],
    "nadamw (AlgoPerf JAX)")
where = "AlgoPerf " + ALGOPERF + "{}" + official.checkout_commit()

cases = []
for lr, b1, b2, eps, wd in [(0.01, 0.9, 0.99, 1e-8, 0.1), (0.003, 0.97, 0.999, 1e-6, 0.0)]:
    traj = nadamw(lr, b1, b2, eps, wd, 10)
    label = f"nadamw case {len(cases)}"
    if torch_nadamw:
        cls = torch_nadamw[0]
        w, b = W0.clone().requires_grad_(), B0.clone().requires_grad_()
        opt = cls([w, b], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
        ref = []
        for _ in range(10):
            opt.zero_grad()
            loss_fn(w, b).backward()
            opt.step()
            ref.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
        official.compare(label, traj, ref, where.format("pytorch_nadamw_full_budget.py NAdamW"), 1e-12,
                         "AlgoPerf's NAdamW: look-ahead b1 m + (1 - b1) g bias-corrected by 1 - b1^t, decay "
                         "p *= 1 - lr wd")
    if jax_nadamw:
        official.compare(label, traj, official.optax_trajectory(
            jax_nadamw[0](lr, b1=b1, b2=b2, eps=eps, weight_decay=wd), [W0, B0], grads_list, 10),
            where.format("jax_nadamw_full_budget.py nadamw"), 1e-12,
            "AlgoPerf's JAX chain: scale_by_nadam, add_decayed_weights(wd), scale(-lr)")
    try:
        import optax
        official.compare(label, traj, official.optax_trajectory(
            optax.nadamw(lr, b1=b1, b2=b2, eps=eps, weight_decay=wd), [W0, B0], grads_list, 10),
            f"optax.nadamw ({official.version('optax')})", 1e-12,
            "bias correction of the look-ahead: optax (scale_by_adam(nesterov=True)) uses "
            "b1 m_t / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t); AlgoPerf and trainperf divide "
            "b1 m_t + (1 - b1) g by 1 - b1^t (both are in the literature: Dozat 2016 vs Table 1 of arXiv 1910.05446)")
    except ImportError as exc:
        official.unavailable(label, "optax.nadamw", exc)
    cases.append({"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "weight_decay": wd, "trajectory": traj})

# The schedule as AlgoPerf's JAX baselines build it (jax_cosine_warmup), with base lr 1.
for total, wf, n in [(20, 0.1, 26), (7, 0.3, 10)]:
    try:
        import optax
        warmup = int(wf * total)
        sched = optax.join_schedules(
            [optax.linear_schedule(init_value=0.0, end_value=1.0, transition_steps=warmup),
             optax.cosine_decay_schedule(init_value=1.0, decay_steps=max(total - warmup, 1))], boundaries=[warmup])
        official.jax64()
        official.compare(f"warmup_cosine total={total}", {"v": [warmup_cosine(t, total, wf) for t in range(n)]},
                         {"v": [float(sched(t)) for t in range(n)]},
                         f"optax.join_schedules(linear_schedule, cosine_decay_schedule) ({official.version('optax')})",
                         1e-15, "AlgoPerf's warmup is linear 0 -> lr over int(warmup_factor * total) steps, then a "
                         "cosine to 0 over the rest")
    except ImportError as exc:
        official.unavailable(f"warmup_cosine total={total}", "optax schedules", exc)

out = {
    "X": X.tolist(), "Y": Y.tolist(), "W0": W0.tolist(), "B0": B0.tolist(),
    "loss": "mean((X W^T + b - Y)^2) + 0.1 * sum(b^2)",
    "nadamw": cases,
    "warmup_cosine": [{"total": 20, "warmup_factor": 0.1, "values": [warmup_cosine(t, 20, 0.1) for t in range(26)]},
                      {"total": 7, "warmup_factor": 0.3, "values": [warmup_cosine(t, 7, 0.3) for t in range(10)]}],
}
official.emit(json.dumps(out, indent=1))
