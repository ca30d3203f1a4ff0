// One seed derives every other: data order, model init, optimizer init, and each step's rng.
#pragma once

#include <cstdint>
#include <string_view>

namespace trainperf {

// SplitMix64 finaliser: a bijective mix, so distinct inputs give distinct outputs.
constexpr uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr uint64_t hash_tag(std::string_view tag) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : tag) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// derive(seed, "data"), derive(seed, "init"), derive(seed, "step", 17) ...
constexpr uint64_t derive_seed(uint64_t seed, std::string_view tag, uint64_t index = 0) {
  return mix64(mix64(seed ^ hash_tag(tag)) + index);
}

// Seeds as torch::manual_seed accepts them (non-negative 63-bit).
constexpr uint64_t torch_seed(uint64_t s) { return s & 0x7FFFFFFFFFFFFFFFULL; }

struct TrialSeeds {
  uint64_t base = 0;
  uint64_t data() const { return derive_seed(base, "data"); }
  uint64_t model_init() const { return derive_seed(base, "model_init"); }
  uint64_t optimizer_init() const { return derive_seed(base, "optimizer_init"); }
  uint64_t step(int64_t global_step) const {
    return derive_seed(base, "step", static_cast<uint64_t>(global_step));
  }
};

}  // namespace trainperf
