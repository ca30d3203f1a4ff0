// Submissions whose optimizer needs no schedule from the harness: learning-rate-free methods (DoG,
// L-DoG), which are evaluated at a polynomial-decay average of their iterates, and the Schedule-Free
// family, which keeps its warmup inside the optimizer and evaluates at x (gradients at y), with
// BatchNorm statistics recomputed at x. A concrete submission only says how to build its optimizer.
#pragma once

#include <functional>
#include <memory>

#include "submissions/common/averaged_submission.h"
#include "submissions/common/gradient_submission.h"

namespace trainperf {

template <class Optimizer>
using MakeUnscheduled =
    std::function<std::unique_ptr<Optimizer>(const InitContext& ctx, const std::vector<torch::Tensor>& params)>;

// A GradientSubmission with the optimizer from `make` and no harness schedule.
class UnscheduledSubmission : public GradientSubmission {
 public:
  explicit UnscheduledSubmission(MakeUnscheduled<torch::optim::Optimizer> make) : make_(std::move(make)) {}

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    return make_(ctx, params);
  }
  std::shared_ptr<Schedule> make_schedule(const InitContext&) override { return nullptr; }

 private:
  MakeUnscheduled<torch::optim::Optimizer> make_;
};

// The DoG family's submission: the optimizer, evaluated at the polynomial-decay average of its
// iterates with hparams averaging_gamma (default 8, as in the DoG paper).
inline std::unique_ptr<Submission> polynomially_averaged(MakeUnscheduled<torch::optim::Optimizer> make) {
  return std::make_unique<AveragedSubmission>(
      std::make_unique<UnscheduledSubmission>(std::move(make)),
      [](const InitContext& ctx, std::vector<torch::Tensor> params) {
        return std::make_unique<PolynomialAverage>(std::move(params), ctx.hparams.number_or("averaging_gamma", 8.0));
      });
}

// The keys the Schedule-Free family shares after its learning rate and momentum keys: weight decay,
// the averaging weights' r and weight_lr_power, the warmup (warmup_hparams) and gradient_hparams.
inline HParamSchema schedule_free_hparams() {
  return HParamSchema()
      .number("weight_decay", "weight decay at y")
      .number("r", 0.0, "polynomial weighting power of the average")
      .number("weight_lr_power", 2.0, "power of the learning rate in the averaging weights")
      .add(warmup_hparams())
      .add(gradient_hparams());
}

// Schedule-Free: `Optimizer` (a ScheduleFree<Update>, optim/schedule_free.h) is both a LibTorch
// optimizer and EvalWeights (x for evaluation, y for gradients). `options` gives the variant's own
// options from its own keys (learning rate, momentum or betas); the keys schedule_free_hparams()
// declares are read here: weight_decay, r, weight_lr_power, and the warmup over
// warmup_factor * step_hint * step_hint_factor steps.
template <class Optimizer>
class ScheduleFreeSubmission final : public GradientSubmission {
 public:
  using Options = typename Optimizer::Options;
  using MakeOptions = std::function<Options(const Hyperparameters& h)>;
  explicit ScheduleFreeSubmission(MakeOptions options) : options_(std::move(options)) {}

  void init_optimizer_state(const InitContext& ctx) override {
    GradientSubmission::init_optimizer_state(ctx);
    protocol_.attach(ctx.model, *optimizer_);
  }
  StepResult update_params(const StepContext& ctx, const Batch& batch) override {
    protocol_.before_update();
    StepResult result = GradientSubmission::update_params(ctx, batch);
    protocol_.after_update(batch);
    return result;
  }
  void prepare_for_eval(const StepContext& ctx) override { protocol_.before_eval(ctx); }
  bool save_state(torch::serialize::OutputArchive& archive) const override {
    protocol_.save(archive);
    return GradientSubmission::save_state(archive);
  }
  void load_state(torch::serialize::InputArchive& archive) override {
    GradientSubmission::load_state(archive);
    protocol_.load(archive);
  }

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    const auto warmup =
        static_cast<int64_t>(h.number_or("warmup_factor", 0.0) * static_cast<double>(schedule_steps(ctx)));
    auto optimizer = std::make_unique<Optimizer>(params, options_(h)
                                                             .weight_decay(h.number("weight_decay"))
                                                             .warmup_steps(warmup)
                                                             .r(h.number("r"))
                                                             .weight_lr_power(h.number("weight_lr_power")));
    optimizer_ = optimizer.get();
    return optimizer;
  }
  // The warmup lives in the optimizer, and there is no decay.
  std::shared_ptr<Schedule> make_schedule(const InitContext&) override { return nullptr; }

 private:
  MakeOptions options_;
  Optimizer* optimizer_ = nullptr;
  EvalWeightsProtocol protocol_;
};

}  // namespace trainperf
