// Schedule-Free SGD: the SGD member of the Schedule-Free family, run like schedule_free_adamw (warmup
// inside the optimizer, no decay, gradients at y, evaluation at x with BatchNorm statistics
// recomputed there). Momentum is 1 - one_minus_beta1. No AlgoPerf-published configuration exists:
// self-tuning uses the reference implementation's defaults with schedule_free_adamw's warmup rule.
#include "optim/schedule_free_sgd.h"
#include "submissions/common/unscheduled_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema schedule_free_sgd_hparams() {
  return HParamSchema()
      .number("learning_rate", "learning rate (constant after the warmup inside the optimizer)")
      .number("one_minus_beta1", "1 - momentum (interpolation between x and z)")
      .add(schedule_free_hparams());
}

void register_schedule_free_sgd(SubmissionRegistry& registry) {
  registry.add(
      {"schedule_free_sgd", "Schedule-Free SGD (train at y, evaluate at x); reference defaults",
       "Defazio et al. 2024, The Road Less Scheduled; github.com/facebookresearch/schedule_free (SGDScheduleFree)",
       [] {
         return std::make_unique<ScheduleFreeSubmission<ScheduleFreeSGD>>([](const Hyperparameters& h) {
           return ScheduleFreeSGDOptions(h.number("learning_rate")).momentum(1.0 - h.number("one_minus_beta1"));
         });
       },
       "schedule_free_sgd", schedule_free_sgd_hparams()});
}

}  // namespace trainperf
