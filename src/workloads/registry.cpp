#include "workloads/registry.h"

#include <map>
#include <stdexcept>

// One line per workload folder.
#define TRAINPERF_WORKLOAD_FOLDERS(X) \
  X(fmnist_mlp)         \
  X(fmnist_resnet)      \
  X(fmnist_vit)         \
  X(austen_lm)          \
  X(bible_translate)    \
  X(speech)             \
  X(molecules_gnn)      \
  X(mri_unet)           \
  X(ctr_dlrm)

// Each folder's code is in namespace trainperf::workload::<folder>; its one entry point is
// trainperf::workload::<folder>::register_workloads.
#define TRAINPERF_DECLARE(folder) \
  namespace trainperf::workload::folder { void register_workloads(WorkloadRegistry&); }
TRAINPERF_WORKLOAD_FOLDERS(TRAINPERF_DECLARE)
#undef TRAINPERF_DECLARE

namespace trainperf {

void WorkloadRegistry::add(WorkloadEntry entry) {
  for (const auto& e : entries_)
    if (e.name == entry.name) throw std::logic_error("workload '" + entry.name + "' registered twice");
  entries_.push_back(std::move(entry));
}

const WorkloadEntry& WorkloadRegistry::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown workload '" + name + "'; known workloads: " + known);
}

const WorkloadRegistry& workloads() {
  static const WorkloadRegistry registry = [] {
    WorkloadRegistry r;
#define TRAINPERF_REGISTER(folder) workload::folder::register_workloads(r);
    TRAINPERF_WORKLOAD_FOLDERS(TRAINPERF_REGISTER)
#undef TRAINPERF_REGISTER
    return r;
  }();
  return registry;
}

std::unique_ptr<Workload> make_workload(const std::string& name) { return workloads().find(name).make(); }

const DatasetRegistry& datasets() {
  static const DatasetRegistry registry = [] {
    DatasetRegistry r;
    std::map<std::string, const DatasetEntry*> seen;
    for (const auto& w : workloads().entries())
      for (const auto& d : w.datasets) {
        auto [it, fresh] = seen.emplace(d.name, &d);
        if (fresh) {
          r.add(d);
        } else if (it->second->format_version != d.format_version || it->second->packages != d.packages) {
          throw std::logic_error("two workloads describe dataset '" + d.name + "' differently");
        }
      }
    return r;
  }();
  return registry;
}

}  // namespace trainperf
