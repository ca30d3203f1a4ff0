// Every workload by name. A workload folder defines `void register_<folder>(WorkloadRegistry&)`
// (adding its base workload and held-out variants, each with the prepared datasets it reads) and gets
// one line in registry.cpp. The datasets are a view over the workloads: `trainperf data` lists and
// prepares the datasets of the registered workloads, and nothing else registers one.
#pragma once

#include <trainperf/workload.h>

#include "data/dataset_cache.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {

struct WorkloadEntry {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Workload>()> make;
  std::vector<DatasetEntry> datasets = {};  // prepared datasets it reads, with their builders
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

// Every prepared dataset of the registered workloads, once each (by name).
const DatasetRegistry& datasets();

}  // namespace trainperf
