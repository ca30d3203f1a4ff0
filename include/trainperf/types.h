// Vocabulary shared by workloads, submissions and the runner.
#pragma once

#include <trainperf/rules.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace trainperf {

// A batch as AlgoPerf passes it: inputs, targets, optional per-example weights
// (1 = real example, 0 = padding), plus workload-specific tensors.
struct Batch {
  torch::Tensor inputs;
  torch::Tensor targets;
  torch::Tensor weights;  // undefined: every example counts
  std::map<std::string, torch::Tensor> extras;

  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  Batch to(const torch::Device& device, bool non_blocking = false) const;
};

// An endless stream of training batches (the input queue of AlgoPerf's data_selection).
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  virtual Batch next() = 0;
};

// What a parameter is, so a submission can treat kinds differently (e.g. no weight decay on norms).
enum class ParamType {
  Weight,         // dense / linear weight
  Bias,
  ConvWeight,
  NormScale,      // BatchNorm / LayerNorm gain
  NormBias,
  Embedding,
  AttentionQKV,
  AttentionOut,
  Other,
};
const char* to_string(ParamType t);

struct ParamInfo {
  std::string name;
  ParamType type = ParamType::Other;
  torch::Tensor tensor;
};

enum class ForwardMode { Train, Eval };
enum class Split { EvalTrain, Validation, Test };
const char* split_prefix(Split s);  // "train", "validation", "test" (AlgoPerf column prefixes)


// Summed loss and the number of examples (or tokens) it sums over; padding excluded.
struct LossOutput {
  torch::Tensor summed;       // scalar
  torch::Tensor count;        // scalar (float)
  torch::Tensor per_example;  // optional
  torch::Tensor mean() const { return summed / count.clamp_min(1); }
};

// Metric name -> value for one split, e.g. {"accuracy": 0.87, "loss": 0.35, "num_examples": 10000}.
using Metrics = std::map<std::string, double>;

// Rank and world size under data parallelism (torchrun-style RANK/WORLD_SIZE).
struct DistInfo {
  int rank = 0;
  int world_size = 1;
};

}  // namespace trainperf
