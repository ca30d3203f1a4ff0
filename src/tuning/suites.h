// Named sets of workloads (with their held-out variants) that `trainperf bench` runs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace trainperf {

struct Suite {
  std::string name;
  std::string description;
  std::vector<std::string> workloads;  // base workloads and held-out variants, all registered
  // Registered workloads the suite leaves out, each with why (mini: those whose target-setting reruns
  // make them useless for ranking, ranking_exclusion in workloads/common/targets.h).
  std::vector<std::pair<std::string, std::string>> excluded = {};
};

const std::vector<Suite>& suites();
const Suite& find_suite(const std::string& name);  // throws listing the known suites

}  // namespace trainperf
