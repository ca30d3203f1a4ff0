// Schedule-Free SGD: the SGD member of the Schedule-Free family, run like schedule_free_adamw (warmup
// inside the optimizer, no decay, gradients at y, evaluation at x with BatchNorm statistics
// recomputed there). Momentum is 1 - one_minus_beta1. No AlgoPerf-published configuration exists:
// self-tuning uses the reference implementation's defaults with schedule_free_adamw's warmup rule.
#include "optim/averaged_submission.h"
#include "optim/schedule_free_sgd.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class ScheduleFreeSGDSubmission final : public GradientSubmission {
 public:
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

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    const Hyperparameters& h = ctx.hparams;
    const auto warmup =
        static_cast<int64_t>(h.number_or("warmup_factor", 0.0) * static_cast<double>(schedule_steps(ctx)));
    auto optimizer =
        std::make_unique<ScheduleFreeSGD>(params, ScheduleFreeSGDOptions(h.number("learning_rate"))
                                                      .momentum(1.0 - h.number("one_minus_beta1"))
                                                      .weight_decay(h.number("weight_decay"))
                                                      .warmup_steps(warmup)
                                                      .r(h.number_or("r", 0.0))
                                                      .weight_lr_power(h.number_or("weight_lr_power", 2.0)));
    optimizer_ = optimizer.get();
    return optimizer;
  }
  // The warmup lives in the optimizer, and there is no decay.
  std::shared_ptr<Schedule> make_schedule(const InitContext&) override { return nullptr; }

 private:
  ScheduleFreeSGD* optimizer_ = nullptr;
  EvalWeightsProtocol protocol_;
};

}  // namespace

void register_schedule_free_sgd(SubmissionRegistry& registry) {
  registry.add(
      {"schedule_free_sgd", "Schedule-Free SGD (train at y, evaluate at x); reference defaults",
       "Defazio et al. 2024, The Road Less Scheduled; github.com/facebookresearch/schedule_free (SGDScheduleFree)",
       [] { return std::make_unique<ScheduleFreeSGDSubmission>(); }, "schedule_free_sgd"});
}

}  // namespace trainperf
