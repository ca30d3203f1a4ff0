// Schedule-Free AdamW, the AlgoPerf v0.5 self-tuning winner: no decay schedule (only a linear warmup
// inside the optimizer over warmup_factor * step_hint * step_hint_factor steps); gradients at y,
// evaluation at x, with BatchNorm statistics recomputed at x from the last training batches.
// Self-tuning: the published winning configuration; external tuning: the 5 published points.
#include "optim/averaged_submission.h"
#include "optim/schedule_free_adamw.h"
#include "submissions/common/gradient_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class ScheduleFreeAdamWSubmission final : public GradientSubmission {
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
        std::make_unique<ScheduleFreeAdamW>(params, ScheduleFreeAdamWOptions(h.number("learning_rate"))
                                                        .beta1(1.0 - h.number("one_minus_beta1"))
                                                        .beta2(h.number("beta2"))
                                                        .eps(1e-8)
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
  ScheduleFreeAdamW* optimizer_ = nullptr;
  EvalWeightsProtocol protocol_;
};

}  // namespace

void register_schedule_free_adamw(SubmissionRegistry& registry) {
  registry.add({"schedule_free_adamw",
                "Schedule-Free AdamW (train at y, evaluate at x); AlgoPerf v0.5 self-tuning winner",
                "Defazio et al. 2024, The Road Less Scheduled; github.com/facebookresearch/schedule_free (algoperf/)",
                [] { return std::make_unique<ScheduleFreeAdamWSubmission>(); }, "schedule_free_adamw"});
}

}  // namespace trainperf
