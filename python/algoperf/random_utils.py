"""algoperf.random_utils for PyTorch: a key is a pair of uint32 (as AlgoPerf's numpy PRNG keys)."""
import numpy as np

SEED_BITS = 32


def PRNGKey(seed):  # pylint: disable=invalid-name
  seed = int(seed) % (1 << 64)
  return np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=np.uint32)


def _seed_of(key):
  key = np.asarray(key, dtype=np.uint32).reshape(-1)
  return (int(key[0]) << 32) | int(key[-1])


def split(key, num=2):
  rng = np.random.default_rng(_seed_of(key))
  return [PRNGKey(int(s)) for s in rng.integers(0, 2**63 - 1, size=num, dtype=np.int64)]


def fold_in(key, data):
  rng = np.random.default_rng([_seed_of(key), int(data) % (1 << 63)])
  return PRNGKey(int(rng.integers(0, 2**63 - 1, dtype=np.int64)))


def bits(key, amount=None):
  rng = np.random.default_rng(_seed_of(key))
  return rng.integers(0, 2**SEED_BITS - 1, size=amount, dtype=np.int64)
