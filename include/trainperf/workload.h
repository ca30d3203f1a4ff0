// A workload: data + model + loss + evaluation + targets + budget (AlgoPerf semantics).
#pragma once

#include <trainperf/errors.h>
#include <trainperf/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trainperf {

class Communicator;

// Every model is a module whose forward takes a whole batch (the workload knows its inputs).
class Model : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const Batch& batch) = 0;
};
using ModelPtr = std::shared_ptr<Model>;

// Knobs AlgoPerf lets a submission set on the model (as hyperparameters), nothing else.
struct ModelOptions {
  double dropout_rate = 0.0;
  double aux_dropout_rate = 0.0;
};

struct WorkloadSpec {
  std::string name;
  std::string description;
  std::string target_metric;  // column suffix, e.g. "accuracy" -> validation/accuracy
  Goal goal = Goal::Maximize;
  double validation_target = 0;
  double test_target = 0;
  // The budget and the evaluation period in reference steps (docs/timing.md, "Portable budgets"):
  // the runner converts them to seconds on the machine that runs the trial by timing one
  // reference step there (forward, backward and a plain AdamW update at reference_batch_size).
  // Zero: max_runtime_s / eval_period_s are taken as seconds as they are (tests, tools).
  int64_t budget_reference_steps = 0;  // before the ruleset multiplier
  double eval_period_reference_steps = 0;
  double max_runtime_s = 0;  // budget in seconds before the ruleset multiplier, when not in reference steps
  int64_t step_hint = 0;     // steps the reference schedule is sized for
  double eval_period_s = 0;  // wall-clock seconds between evals, when not in reference steps
  int64_t reference_batch_size = 0;  // batch size of the target-setting runs (and of the reference step)
  int64_t num_train_examples = 0;
  int64_t num_eval_train_examples = 0;
  int64_t num_validation_examples = 0;
  int64_t num_test_examples = 0;
  std::string base_workload;  // set for held-out variants
  // Layout of 4-D (image) inputs when they reach the model: channels-last makes oneDNN run its NHWC
  // convolutions (and the layers after them). Unset: as the input pipeline made them. A measured
  // choice per workload (docs/performance.md).
  std::optional<torch::MemoryFormat> input_memory_format;
};

// `x` with the strides of memory format `f` (4-D tensors; others are returned as they are). With one
// channel, or 1x1 images, a tensor counts as contiguous in both formats, so Tensor::contiguous(f)
// can leave the other format's strides in place, and those strides are what decide the kernels.
torch::Tensor with_memory_format(const torch::Tensor& x, torch::MemoryFormat f);

struct DataOptions {
  std::string data_dir;  // empty: the workload's default location
  torch::Device device = torch::kCPU;
};

class Workload {
 public:
  virtual ~Workload() = default;

  virtual const WorkloadSpec& spec() const = 0;

  // Untimed: read the data and build the input pipeline. Throws DataError naming the file.
  virtual void load_data(const DataOptions& options) = 0;

  // Endless training stream; each rank receives its shard of a global batch.
  virtual std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed,
                                                    const DistInfo& dist) = 0;

  // Untimed: a freshly initialised model on the workload's device.
  virtual ModelPtr init_model(uint64_t seed, const ModelOptions& options) = 0;

  // Parameter kinds for submissions; the default infers them from the module tree.
  virtual std::vector<ParamInfo> param_infos(Model& model) const;

  // Forward pass. update_batch_norm=false runs train mode without touching running statistics
  // (SAM's second pass, Schedule-Free's evaluation point). 4-D inputs are first given the layout of
  // input_memory_format().
  virtual torch::Tensor model_fn(Model& model, const Batch& batch, ForwardMode mode,
                                 bool update_batch_norm = true) const;

  // Summed loss and count over the batch (weights respected), with optional label smoothing.
  virtual LossOutput loss(const torch::Tensor& logits, const Batch& batch,
                          double label_smoothing = 0.0) const = 0;

  // Metrics on one split; includes "loss", the target metric and "num_examples". Under data
  // parallelism each rank evaluates its shard and the sums are all-reduced through `comm`.
  virtual Metrics evaluate(Model& model, Split split, Communicator& comm) = 0;

  // spec().input_memory_format, unless overridden (bench/workload_step measures both layouts).
  std::optional<torch::MemoryFormat> input_memory_format() const {
    return memory_format_overridden_ ? memory_format_override_ : spec().input_memory_format;
  }
  void override_input_memory_format(std::optional<torch::MemoryFormat> f) {
    memory_format_overridden_ = true;
    memory_format_override_ = f;
  }

  // The runner's stopping test (strict, as AlgoPerf's workloads do).
  bool reaches(double value, double target) const {
    return spec().goal == Goal::Maximize ? value > target : value < target;
  }

 private:
  bool memory_format_overridden_ = false;
  std::optional<torch::MemoryFormat> memory_format_override_;
};

}  // namespace trainperf
