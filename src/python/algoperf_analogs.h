// Which AlgoPerf workload each trainperf workload stands in for: the name a Python submission's
// get_batch_size receives, AlgoPerf's reference batch size for it (the AlgoPerf baselines'
// get_batch_size), and its loss type. docs/python-submissions.md prints this table.
#pragma once

#include <trainperf/workload.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trainperf {

struct AlgoPerfAnalog {
  std::string workload;          // ours (a base workload; variants use their base's row)
  std::string algoperf_name;     // what get_batch_size receives
  int64_t algoperf_batch_size;   // AlgoPerf's baseline batch size for that workload
  std::string loss_type;         // spec.LossType member name
};

const std::vector<AlgoPerfAnalog>& algoperf_analogs();
// The row of `spec` (its base's for a held-out variant); nullptr for a workload with none.
const AlgoPerfAnalog* algoperf_analog(const WorkloadSpec& spec);
// The batch size trainperf uses when a submission returns `returned` for the analog: scaled by
// spec.reference_batch_size / algoperf_batch_size and rounded, at least 1. Without an analog the
// returned size is used as it is.
int64_t scaled_batch_size(const WorkloadSpec& spec, int64_t returned);

}  // namespace trainperf
