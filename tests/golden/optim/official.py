"""Cross-checks of the equation-based golden trajectories against the official implementations.

The generators next to this file write each trajectory from the published equations. Where an
official implementation is reachable (a PyPI package of scripts/requirements-reference.txt, torch.optim,
optax, or a checkout of an official repository named by an environment variable), the generator also
runs it on the same problem, hyperparameters and initial point, and hands both trajectories to
`compare`. `emit` then writes the golden JSON only when every check agreed; otherwise it prints which
case, step and quantity differ, by how much and the likely reason to stderr and exits 1, unless
--allow-differences was given (then the golden is still written from OUR equations and the
differences are listed). Nothing of the official code is copied here: it is imported and called.

Command line of every generator:  gen_X.py [--allow-differences] [-o FILE]
  -o FILE   write the golden to FILE (only when it is written at all) instead of stdout.
Environment (checkouts of official repositories that are not on PyPI, extracted with `git archive`):
  TRAINPERF_ALGOPERF              mlcommons/algorithmic-efficiency   (AlgoPerf's PyTorch baselines)
  TRAINPERF_ALGOPERF_SUBMISSIONS  mlcommons/submissions_algorithms   (the v0.5 Shampoo and v0.5/v0.6 Schedule-Free submissions)
  TRAINPERF_SOAP                  nikhilvyas/SOAP
  TRAINPERF_ADEMAMIX              apple/ml-ademamix                  (AdEMAMix, PyTorch and optax)
  TRAINPERF_COPTIM                kyleliang919/C-Optim               (C-AdamW)
  TRAINPERF_ALGOPERF_A100         mlcommons/submissions_algorithms, branch a100_scoring (the 2026 AdEMAMix and
                                  Cautious NAdamW self-tuning entries)
A check whose checkout is not given is reported as skipped (not as a difference).
"""
import __future__
import argparse
import ast
import importlib.metadata
import math
import os
import sys

_parser = argparse.ArgumentParser(add_help=True)
_parser.add_argument("--allow-differences", action="store_true",
                     help="write the golden from our equations even where an official implementation differs")
_parser.add_argument("-o", "--output", help="write the golden JSON to this file instead of stdout")
ARGS, _ = _parser.parse_known_args()

# Some official packages print to stdout (dadaptation and prodigyopt: "Using decoupled weight decay"),
# which would land in a golden written with `> X.json`: everything printed goes to stderr, and only
# `emit` writes to the real stdout.
_STDOUT = sys.stdout
sys.stdout = sys.stderr

_results = []  # dicts: label, status ('agree' | 'differ' | 'skipped' | 'unavailable'), text


def version(dist):
    """'dist==version' of an installed distribution, for the reports."""
    try:
        return f"{dist}=={importlib.metadata.version(dist)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{dist} (not installed)"


def _flatten(obj, prefix=""):
    """{'x': {'w': [...]}, 'd': 1.0} -> {'x.w': [...], 'd': [1.0]}"""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (list, tuple)):
        flat = [float(x) for row in obj for x in row]
        out[prefix] = flat
    elif isinstance(obj, (list, tuple)):
        out[prefix] = [float(x) for x in obj]
    else:
        out[prefix] = [float(obj)]
    return out


def compare(label, ours, theirs, official, tol, likely, rtol=0.0, keys=None, note_only=False, deviation=False):
    """Compares two trajectories (lists of per-step records, or one record) elementwise.

    label: which golden case; official: what ran (package==version and the class or function);
    tol: absolute tolerance (plus rtol * |ours|); likely: the likely reason if they differ;
    keys: only these quantities (dotted names) are compared (default: all of ours);
    note_only: a difference is reported as a note, not a failure (for a comparison known to be
    ill-conditioned, next to the check that decides).
    deviation: the case runs a documented, deliberate deviation of ours from this official code (its
    option reproducing the official code has a case of its own): a difference is reported as
    DEVIATION with `likely` as what differs, not as a failure; agreement is reported as usual.
    """
    if isinstance(ours, dict):
        ours, theirs = [ours], [theirs]
    if len(ours) != len(theirs):
        _record(label, "differ", f"{official}: {len(theirs)} steps, ours {len(ours)}", likely)
        return False
    worst = (0.0, None)  # (diff, where)
    first = None
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        fa, fb = _flatten(a), _flatten(b)
        for key in (keys or fa):
            if key not in fb:
                _record(label, "differ", f"{official}: no quantity '{key}'", likely)
                return False
            for i, (x, y) in enumerate(zip(fa[key], fb[key])):
                d = abs(x - y) if not (math.isinf(x) and x == y) else 0.0
                if math.isnan(d):
                    d = math.inf
                if d > worst[0]:
                    worst = (d, (step, key, i, x, y))
                if d > tol + rtol * abs(x) and first is None:
                    first = (step, key, i, x, y, d)
    tol_text = f"{tol:g}" + (f" + {rtol:g}|ours|" if rtol else "")
    if first is None:
        _record(label, "agree", f"{official}: agree, max |diff| {worst[0]:.3g} <= {tol_text}")
        return True
    step, key, i, x, y, d = first
    ws, wk, wi, wx, wy = worst[1]
    _record(label, "note" if note_only else "deviation" if deviation else "differ",
            f"{official}: first differs at step {step}, {key}[{i}]: ours {x!r}, official {y!r}, |diff| {d:.3g} "
            f"> {tol_text}; largest |diff| {worst[0]:.3g} at step {ws}, {wk}[{wi}]", likely)
    return False


def skip(label, why):
    _record(label, "skipped", why)


def unavailable(label, what, exc):
    _record(label, "unavailable", f"{what} could not be run: {type(exc).__name__}: {exc}",
            "install the reference packages: scripts/install-deps.sh --with-reference")


def _record(label, status, text, likely=None):
    _results.append({"label": label, "status": status, "text": text, "likely": likely})


def emit(text):
    """Reports every check on stderr; writes the golden (stdout or -o) unless a check failed."""
    name = os.path.basename(sys.argv[0])
    bad = [r for r in _results if r["status"] in ("differ", "unavailable")]
    for r in _results:
        tag = {"agree": "ok", "skipped": "SKIPPED", "differ": "DIFFERS", "unavailable": "UNAVAILABLE",
               "note": "NOTE", "deviation": "DEVIATION"}[r["status"]]
        print(f"[{name}] {tag:11s} {r['label']}: {r['text']}", file=sys.stderr)
        if r["likely"] and r["status"] != "agree":
            what = "documented deviation" if r["status"] == "deviation" else "likely reason"
            print(f"[{name}] {'':11s}   {what}: {r['likely']}", file=sys.stderr)
    if not _results:
        print(f"[{name}] no official reference reachable: the golden rests on the equations alone", file=sys.stderr)
    if bad and not ARGS.allow_differences:
        print(f"[{name}] {len(bad)} check(s) failed: golden NOT written (pass --allow-differences to write it "
              "from our equations anyway)", file=sys.stderr)
        sys.exit(1)
    if bad:
        print(f"[{name}] --allow-differences: writing the golden from our equations despite {len(bad)} "
              "difference(s) listed above", file=sys.stderr)
    if ARGS.output:
        tmp = ARGS.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, ARGS.output)
    else:
        _STDOUT.write(text + "\n")
        _STDOUT.flush()


# --- Drivers for the official code -------------------------------------------------------------

def torch_trajectory(make_optimizer, init, loss_fn, steps, record=None):
    """Runs a torch.optim-style optimizer from `init` (list of tensors) on loss_fn(*params).

    record(params, opt) -> the per-step record (default {'w': ..., 'b': ...} of the first two)."""
    import torch
    params = [p.detach().clone().requires_grad_() for p in init]
    opt = make_optimizer(params)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(*params).backward()
        opt.step()
        traj.append(record(params, opt) if record else
                    {"w": params[0].detach().flatten().tolist(), "b": params[1].detach().tolist()})
    return traj


_jax = None


def jax64():
    """jax with float64 enabled, on the CPU."""
    global _jax
    if _jax is None:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
        jax.config.update("jax_enable_x64", True)
        _jax = jax
    return _jax


def optax_trajectory(tx, init, grads_fn, steps, record=None):
    """Runs an optax GradientTransformation in float64 from `init` (list of torch tensors).

    grads_fn(list of torch tensors) -> list of torch gradients (the problem's own gradients, so that
    only the update rule is under test). record(params as numpy arrays, state) -> per-step record."""
    import numpy as np
    import torch
    jax64()
    import jax.numpy as jnp
    import optax
    params = [jnp.asarray(p.detach().numpy()) for p in init]
    state = tx.init(params)
    traj = []
    for _ in range(steps):
        g = grads_fn([torch.from_numpy(np.array(p)) for p in params])
        g = [jnp.asarray(gi.detach().numpy()) for gi in g]
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        arrays = [np.array(p) for p in params]
        traj.append(record(arrays, state) if record else
                    {"w": arrays[0].flatten().tolist(), "b": arrays[1].tolist()})
    return traj


def checkout(env, what):
    """The directory of an official checkout named by environment variable `env`, or None."""
    d = os.environ.get(env)
    if d and os.path.isdir(d):
        return d
    return None


def load_definitions(path, names, extra_globals=None):
    """Imports the top-level definitions `names` of an official source file, without running the rest.

    Some official files (AlgoPerf's submissions) import the whole benchmark (TensorFlow, datasets) at
    module level; only their optimizer classes are needed. This parses the file, keeps its imports that
    resolve here and the named definitions, and executes those: the official code runs unchanged
    (annotations are compiled lazily, so that type names of the benchmark, e.g. spec.ParameterContainer,
    need not resolve)."""
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    ns = {"__name__": "official_" + os.path.basename(path).replace(".", "_"), "__file__": path}
    ns.update(extra_globals or {})
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            try:
                exec(compile(ast.Module(body=[node], type_ignores=[]), path, "exec"), ns)
            except Exception:  # noqa: BLE001 -- the benchmark's own modules are not needed
                pass
    wanted = [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name in names]
    missing = set(names) - {n.name for n in wanted}
    if missing:
        raise ImportError(f"{path} has no {sorted(missing)}")
    exec(compile(ast.Module(body=wanted, type_ignores=[]), path, "exec",
                 flags=__future__.annotations.compiler_flag, dont_inherit=True), ns)
    return [ns[n] for n in names]


def algoperf_definitions(relpath, names, label):
    """Definitions from a file of the AlgoPerf checkout ($TRAINPERF_ALGOPERF), or None (reported skipped)."""
    root = checkout("TRAINPERF_ALGOPERF", "mlcommons/algorithmic-efficiency")
    if root is None:
        skip(label, f"AlgoPerf's {relpath} not checked: set TRAINPERF_ALGOPERF to a checkout of "
                    "mlcommons/algorithmic-efficiency (docs/golden-references.md)")
        return None
    try:
        return load_definitions(os.path.join(root, relpath), names)
    except Exception as exc:  # noqa: BLE001
        unavailable(label, f"AlgoPerf's {relpath}", exc)
        return None


def checkout_commit(env="TRAINPERF_ALGOPERF"):
    """The commit a checkout was extracted from, when `git archive` left it (see the doc), else ''."""
    root = os.environ.get(env, "")
    stamp = os.path.join(root, ".commit")
    if root and os.path.isfile(stamp):
        with open(stamp) as f:
            return "@" + f.read().strip()[:12]
    return ""


def import_checkout_module(env, repo, relpath, label):
    """Imports relpath (a .py file) of the checkout named by $env as a module, or None (reported skipped)."""
    import importlib.util
    root = checkout(env, repo)
    if root is None:
        skip(label, f"{repo}'s {relpath} not checked: set {env} to a checkout of {repo} (docs/golden-references.md)")
        return None
    path = os.path.join(root, relpath)
    try:
        spec = importlib.util.spec_from_file_location("official_" + os.path.basename(relpath)[:-3], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    except Exception as exc:  # noqa: BLE001
        unavailable(label, f"{repo}'s {relpath}", exc)
        return None


def shampoo_v05(label):
    """(DistributedShampoo, shampoo_types) of the AlgoPerf v0.5 winning Shampoo submission, or None.

    From $TRAINPERF_ALGOPERF_SUBMISSIONS (a checkout of mlcommons/submissions_algorithms). Its modules
    import each other by the absolute package path the submission had in the competition
    (submissions.submissions_algorithms_v0_5.AlgoPerf_Team_21.external_tuning...), so a temporary
    directory with that package path as a symbolic link to the checkout is put on sys.path; and it
    asks torch.distributed for its rank, so a one-process gloo group is started (file:// rendezvous,
    no network)."""
    import importlib
    import tempfile
    root = checkout("TRAINPERF_ALGOPERF_SUBMISSIONS", "mlcommons/submissions_algorithms")
    if root is None:
        skip(label, "the AlgoPerf v0.5 Shampoo submission not checked: set TRAINPERF_ALGOPERF_SUBMISSIONS to a "
                    "checkout of mlcommons/submissions_algorithms (docs/golden-references.md)")
        return None
    try:
        import torch.distributed as dist
        import atexit
        import shutil
        tmp = tempfile.mkdtemp(prefix="trainperf-shampoo-")
        atexit.register(shutil.rmtree, tmp, True)  # the link only: rmtree does not follow symbolic links
        pkg = os.path.join(tmp, "submissions", "submissions_algorithms_v0_5", "AlgoPerf_Team_21")
        os.makedirs(pkg)
        os.symlink(os.path.join(root, "previous_leaderboards", "algoperf_v05", "submissions", "external_tuning"),
                   os.path.join(pkg, "external_tuning"))
        sys.path.insert(0, tmp)
        if not dist.is_initialized():
            dist.init_process_group("gloo", init_method="file://" + os.path.join(tmp, "rendezvous"), rank=0,
                                    world_size=1)
        base = ("submissions.submissions_algorithms_v0_5.AlgoPerf_Team_21.external_tuning.shampoo_submission."
                "optimizers.distributed_shampoo.")
        return (importlib.import_module(base + "distributed_shampoo").DistributedShampoo,
                importlib.import_module(base + "shampoo_types"))
    except Exception as exc:  # noqa: BLE001
        unavailable(label, "the AlgoPerf v0.5 Shampoo submission", exc)
        return None
