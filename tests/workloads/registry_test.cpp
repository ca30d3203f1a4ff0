// The workload registry is the one list: its entries carry their datasets, and the dataset registry
// `trainperf data` uses is exactly the view over them.
#include <gtest/gtest.h>

#include <set>

#include "workloads/registry.h"

using namespace trainperf;

TEST(WorkloadRegistry, DatasetsAreTheViewOverTheWorkloads) {
  std::set<std::string> used;
  for (const auto& w : workloads().entries())
    for (const auto& d : w.datasets) {
      used.insert(d.name);
      const DatasetEntry& listed = datasets().find(d.name);
      EXPECT_EQ(listed.format_version, d.format_version) << w.name;
      EXPECT_EQ(listed.packages, d.packages) << w.name;
      EXPECT_TRUE(static_cast<bool>(listed.build)) << d.name;
    }
  std::set<std::string> listed;
  for (const auto& d : datasets().entries()) EXPECT_TRUE(listed.insert(d.name).second) << d.name << " twice";
  EXPECT_EQ(used, listed);
  EXPECT_EQ(listed, (std::set<std::string>{"austen", "bible_en_es", "molecules", "movielens", "mri", "speech"}));
}
