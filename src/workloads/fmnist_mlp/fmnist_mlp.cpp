// fmnist_mlp: an MLP on Fashion-MNIST, the analog of AlgoPerf's `mnist` development workload.
// How the target, budget, step hint and eval period were chosen: docs/workloads/fmnist_mlp.md.
#include <trainperf/seeding.h>

#include "workloads/common/classification.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::fmnist_mlp {

namespace {

enum class Activation { ReLU, GELU, Tanh };

struct MlpConfig {
  std::vector<int64_t> hidden = {256, 256};
  Activation activation = Activation::ReLU;
};

class Mlp final : public Model {
 public:
  Mlp(const MlpConfig& config, double dropout_rate) : activation_(config.activation), dropout_(dropout_rate) {
    int64_t in = 28 * 28;
    for (size_t i = 0; i < config.hidden.size(); ++i) {
      layers_.push_back(register_module("dense" + std::to_string(i), torch::nn::Linear(in, config.hidden[i])));
      in = config.hidden[i];
    }
    head_ = register_module("head", torch::nn::Linear(in, 10));
  }

  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor x = batch.inputs.flatten(1);
    for (auto& layer : layers_) {
      x = layer->forward(x);
      switch (activation_) {
        case Activation::ReLU:
          x = torch::relu(x);
          break;
        case Activation::GELU:
          x = torch::gelu(x);
          break;
        case Activation::Tanh:
          x = torch::tanh(x);
          break;
      }
      if (dropout_ > 0) x = torch::dropout(x, dropout_, is_training());
    }
    return head_->forward(x);
  }

 private:
  std::vector<torch::nn::Linear> layers_;
  torch::nn::Linear head_{nullptr};
  Activation activation_;
  double dropout_;
};

class FmnistMlp final : public FashionMnistWorkload {
 public:
  FmnistMlp(WorkloadSpec spec, MlpConfig config) : config_(std::move(config)) { spec_ = std::move(spec); }

  ModelPtr make_model(const ModelOptions& options) override {
    return std::make_shared<Mlp>(config_, options.dropout_rate);
  }

 private:
  MlpConfig config_;
};

WorkloadSpec mlp_spec() {
  WorkloadSpec s;
  s.name = "fmnist_mlp";
  s.description = "MLP 784-256-256-10 (ReLU) on Fashion-MNIST; AlgoPerf mnist analog";
  s.target_metric = "accuracy";
  s.goal = Goal::Maximize;
  s.eval_period_reference_steps = 120;  // ~30 evaluations per budget (an evaluation costs ~0.2 s)
  s.reference_batch_size = 128;
  s.num_eval_train_examples = 10000;
  return with_targets(s);  // targets, budget, step hint: targets/fmnist_mlp.json
}

// Held-out variant (AlgoPerf's activation-swap kind): tanh instead of ReLU.
WorkloadSpec tanh_spec() {
  return held_out_variant(mlp_spec(), "tanh", "fmnist_mlp with tanh activations (held-out variant)");
}

}  // namespace

void register_workloads(WorkloadRegistry& registry) {
  registry.add(
      {"fmnist_mlp", mlp_spec().description, [] { return std::make_unique<FmnistMlp>(mlp_spec(), MlpConfig{}); }});
  registry.add({"fmnist_mlp_tanh", tanh_spec().description, [] {
                  MlpConfig c;
                  c.activation = Activation::Tanh;
                  return std::make_unique<FmnistMlp>(tanh_spec(), c);
                }});
}

}  // namespace trainperf::workload::fmnist_mlp
