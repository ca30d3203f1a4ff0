"""AlgoPerf self-tuning entry "schedule_free_adamw_jax_v2", ported to PyTorch for trainperf (written by us,
issue 20).

Original: mlcommons/submissions_algorithms, branch a100_scoring, commit
ec137231ae404830c3e5e4491d17f40b63e0a1c4, submissions/self_tuning/schedule_free_adamw_jax_v2/submission.py
(JAX, optax.contrib.schedule_free_adamw, optax 0.2.6). HPARAMS are the original's, unchanged. The update,
evaluation at x and step are optax_schedule_free_adamw.py's port (its header says what was ported and
what differs), with v2's training without BatchNorm updates and its refresh of the
BatchNorm statistics at x every third step; checked against the original's own code by test_ports.py with
the golden trajectories of gen_sf_adamw_golden.py.
"""
from optax_schedule_free_adamw import make_submission

HPARAMS = {
    'learning_rate': 0.0025,
    'one_minus_beta1': 0.1,
    'beta2': 0.9955159689799007,
    'weight_decay': 0.08121616522670176,
    'warmup_factor': 0.02,
    'weight_lr_power': 2,
    'label_smoothing': 0.2,
    'eps': 1e-8,
}

globals().update(make_submission(HPARAMS, refresh_batch_norm_at_x=True))
