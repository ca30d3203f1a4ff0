// Schedule-Free AdamW, the AlgoPerf v0.5 self-tuning winner: no decay schedule (only a linear warmup
// inside the optimizer over warmup_factor * step_hint * step_hint_factor steps); gradients at y,
// evaluation at x, with BatchNorm statistics recomputed at x from the last training batches.
// Self-tuning: the published winning configuration; external tuning: the 5 published points.
#include "optim/schedule_free_adamw.h"
#include "submissions/common/unscheduled_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema schedule_free_adamw_hparams() {
  return HParamSchema()
      .number("learning_rate", "learning rate (constant after the warmup inside the optimizer)")
      .number("one_minus_beta1", "1 - beta1 (interpolation between x and z)")
      .number("beta2", "second-moment decay")
      .add(schedule_free_hparams());
}

void register_schedule_free_adamw(SubmissionRegistry& registry) {
  registry.add({"schedule_free_adamw",
                "Schedule-Free AdamW (train at y, evaluate at x); AlgoPerf v0.5 self-tuning winner",
                "Defazio et al. 2024, The Road Less Scheduled; github.com/facebookresearch/schedule_free (algoperf/)",
                [] {
                  return std::make_unique<ScheduleFreeSubmission<ScheduleFreeAdamW>>([](const Hyperparameters& h) {
                    return ScheduleFreeAdamWOptions(h.number("learning_rate"))
                        .beta1(1.0 - h.number("one_minus_beta1"))
                        .beta2(h.number("beta2"))
                        .eps(1e-8);
                  });
                },
                "schedule_free_adamw", schedule_free_adamw_hparams()});
}

}  // namespace trainperf
