// A small synthetic 3-class problem with a Linear -> BatchNorm -> ReLU -> Linear model, for driving
// submissions through init_optimizer_state / update_params in tests.
#pragma once

#include <trainperf/trainperf.h>

#include <memory>

#include "workloads/common/classification.h"

namespace trainperf::testing {

class TinyBnModel final : public Model {
 public:
  TinyBnModel() {
    fc = register_module("fc", torch::nn::Linear(6, 16));
    bn = register_module("bn", torch::nn::BatchNorm1d(16));
    head = register_module("head", torch::nn::Linear(16, 3));
  }
  torch::Tensor forward(const Batch& batch) override { return head(torch::relu(bn(fc(batch.inputs)))); }
  torch::nn::Linear fc{nullptr}, head{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

class TinyBnWorkload final : public ClassificationWorkload {
 public:
  TinyBnWorkload() {
    spec_.name = "tiny_bn";
    spec_.target_metric = "accuracy";
    spec_.goal = Goal::Maximize;
    spec_.validation_target = 0.9;
    spec_.test_target = 0.9;
    spec_.max_runtime_s = 60;
    spec_.step_hint = 60;
    spec_.eval_period_s = 1;
    spec_.reference_batch_size = 32;
  }
  void load_data(const DataOptions&) override {
    torch::manual_seed(11);
    const torch::Tensor centers = torch::randn({3, 6}) * 2;
    auto split = [&](int64_t n) {
      torch::Tensor y = torch::randint(0, 3, {n}, torch::kLong);
      return std::pair{centers.index_select(0, y) + torch::randn({n, 6}), y};
    };
    auto [tx, ty] = split(512);
    auto [vx, vy] = split(128);
    auto [sx, sy] = split(128);
    spec_.num_train_examples = 512;
    spec_.num_eval_train_examples = 128;
    set_data(tx, ty, vx, vy, sx, sy, torch::kCPU);
  }
  ModelPtr init_model(uint64_t seed, const ModelOptions&) override {
    torch::manual_seed(torch_seed(seed));
    return std::make_shared<TinyBnModel>();
  }
};

}  // namespace trainperf::testing
