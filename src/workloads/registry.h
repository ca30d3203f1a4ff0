// Every workload by name. A workload folder defines `void register_<folder>(WorkloadRegistry&)`
// (adding its base workload and held-out variants) and gets one line in registry.cpp.
#pragma once

#include <trainperf/workload.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {

struct WorkloadEntry {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Workload>()> make;
  std::vector<std::string> datasets = {};  // prepared datasets it reads (`trainperf data prepare --workload`)
};

class WorkloadRegistry {
 public:
  void add(WorkloadEntry entry);
  const std::vector<WorkloadEntry>& entries() const { return entries_; }
  // Throws std::invalid_argument listing the known names.
  const WorkloadEntry& find(const std::string& name) const;

 private:
  std::vector<WorkloadEntry> entries_;
};

const WorkloadRegistry& workloads();
std::unique_ptr<Workload> make_workload(const std::string& name);

}  // namespace trainperf
