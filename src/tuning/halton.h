// Scrambled, shuffled Halton sequence (the quasi-random search of AlgoPerf's external tuning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trainperf {

// The first `n` primes.
std::vector<int> first_primes(std::size_t n);

// Point `index` (0-based; the sequence skips Halton's all-zero point) in [0,1)^dims.
// `seed` picks the shuffle of the prime bases over dimensions and the digit permutations.
std::vector<double> halton_point(std::size_t dims, int64_t index, uint64_t seed);

}  // namespace trainperf
