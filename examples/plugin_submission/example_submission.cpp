// A training algorithm written outside trainperf, against its public headers only: AdamW (LibTorch's)
// with linear warmup and cosine decay over the workload's step hint, plus label smoothing.
#include <trainperf/plugin.h>

#include <cmath>

#include "trainperf_plugin_files.h"  // search_space.json and self_tuning.json, embedded by the build

namespace {

class WarmupCosineAdamW final : public trainperf::Submission {
 public:
  int64_t batch_size(const trainperf::WorkloadSpec& workload) const override { return workload.reference_batch_size; }

  void init_optimizer_state(const trainperf::InitContext& ctx) override {
    const auto& h = ctx.hparams;
    for (const auto& p : ctx.params) params_.push_back(p.tensor);
    peak_lr_ = h.number("learning_rate");
    total_ = ctx.workload.spec().step_hint;
    warmup_ = static_cast<int64_t>(h.number("warmup_factor") * static_cast<double>(total_));
    label_smoothing_ = h.number("label_smoothing");
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        params_, torch::optim::AdamWOptions(peak_lr_)
                     .betas({1.0 - h.number("one_minus_beta1"), h.number("beta2")})
                     .weight_decay(h.number("weight_decay")));
  }

  trainperf::StepResult update_params(const trainperf::StepContext& ctx, const trainperf::Batch& batch) override {
    optimizer_->zero_grad();
    torch::Tensor logits = ctx.workload.model_fn(ctx.model, batch, trainperf::ForwardMode::Train);
    torch::Tensor loss = ctx.workload.loss(logits, batch, label_smoothing_).mean();
    loss.backward();
    trainperf::average_gradients(ctx.comm, params_);
    lr_ = peak_lr_ * multiplier(ctx.global_step);
    for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr_);
    optimizer_->step();
    return {loss.detach(), false};
  }

  double current_lr() const override { return lr_; }

 private:
  double multiplier(int64_t t) const {
    if (t < warmup_) return static_cast<double>(t) / static_cast<double>(warmup_);
    if (t >= total_) return 0.0;
    return 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(t - warmup_) / static_cast<double>(total_ - warmup_)));
  }

  std::vector<torch::Tensor> params_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  double peak_lr_ = 0, lr_ = 0, label_smoothing_ = 0;
  int64_t total_ = 1, warmup_ = 0;
};

}  // namespace

TRAINPERF_PLUGIN(registrar) {
  registrar.add({"example_adamw", "example plugin: LibTorch AdamW + warmup/cosine", "examples/plugin_submission",
                 [] { return std::make_unique<WarmupCosineAdamW>(); }, trainperf_plugin_file("search_space.json"),
                 trainperf_plugin_file("self_tuning.json"),
                 // Every key read above; a search space with any other key is refused before training.
                 trainperf::HParamSchema()
                     .number("learning_rate", "peak learning rate")
                     .number("one_minus_beta1", "1 - beta1")
                     .number("beta2", "second-moment decay")
                     .number("weight_decay", "decoupled weight decay")
                     .number("warmup_factor", "linear warmup over this fraction of step_hint")
                     .number("label_smoothing", 0.0, "label smoothing of the training loss")});
}
