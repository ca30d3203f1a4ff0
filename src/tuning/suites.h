// Named sets of workloads (with their held-out variants) that `trainperf bench` runs.
#pragma once

#include <string>
#include <vector>

namespace trainperf {

struct Suite {
  std::string name;
  std::string description;
  std::vector<std::string> workloads;  // base workloads and held-out variants, all registered
};

const std::vector<Suite>& suites();
const Suite& find_suite(const std::string& name);  // throws listing the known suites

}  // namespace trainperf
