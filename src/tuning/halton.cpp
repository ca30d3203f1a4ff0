#include "tuning/halton.h"

#include <trainperf/seeding.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace trainperf {

std::vector<int> first_primes(size_t n) {
  std::vector<int> primes;
  for (int c = 2; primes.size() < n; ++c) {
    bool prime = true;
    for (int p : primes) {
      if (p * p > c) break;
      if (c % p == 0) { prime = false; break; }
    }
    if (prime) primes.push_back(c);
  }
  return primes;
}

std::vector<double> halton_point(size_t dims, int64_t index, uint64_t seed) {
  std::mt19937_64 rng(derive_seed(seed, "halton"));
  std::vector<int> bases = first_primes(dims);
  std::shuffle(bases.begin(), bases.end(), rng);  // which prime serves which dimension
  std::vector<double> point(dims);
  const uint64_t n = static_cast<uint64_t>(index) + 1;  // skip the origin
  for (size_t d = 0; d < dims; ++d) {
    const int b = bases[d];
    // Random digit permutation that keeps 0 fixed (an infinite tail of zeros stays zero).
    std::vector<int> perm(b);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin() + 1, perm.end(), rng);
    double value = 0, scale = 1.0 / b;
    for (uint64_t k = n; k > 0; k /= b, scale /= b) value += perm[k % b] * scale;
    point[d] = value;
  }
  return point;
}

}  // namespace trainperf
