// Start-up settings that make step times independent of the process's history.
#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "util/environment.h"

using namespace trainperf;

TEST(Malloc, ThresholdsAreFixedAtStartUp) {
  const MallocSettings& s = configure_malloc();
  ASSERT_TRUE(s.configured);
  ASSERT_TRUE(s.applied) << "mallopt refused the thresholds";
  EXPECT_EQ(s.mmap_threshold, 32L << 20);
  EXPECT_EQ(s.trim_threshold, 128L << 20);
  // A 20 MB block now comes from the heap, not from a fresh mmap (glibc's initial threshold is
  // 128 KiB, so without the setting a block of this size is mmapped on every allocation).
  const size_t before = mallinfo2().hblkhd;
  void* p = std::malloc(20u << 20);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 20u << 20);
  EXPECT_EQ(mallinfo2().hblkhd, before);
  std::free(p);
  // Calling it again changes nothing.
  EXPECT_EQ(&configure_malloc(), &s);
  EXPECT_TRUE(malloc_settings().applied);
}

TEST(Environment, RecordsTheLibTorchBuildAndTheBlas) {
  const auto j = environment_info("cpu");
  EXPECT_EQ(j["libtorch_version"].get<std::string>().substr(0, 2), "2.");
  EXPECT_TRUE(j["blas_optimized"].get<bool>()) << j["blas"];
  EXPECT_FALSE(j["cpu_capability"].get<std::string>().empty());
#ifdef TRAINPERF_WITH_CUDA
  EXPECT_EQ(j["libtorch_build"]["kind"], "cuda");
#else
  EXPECT_EQ(j["libtorch_build"]["kind"], "cpu");
#endif
}
