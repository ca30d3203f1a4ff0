// Schedule-Free AdamW, the AlgoPerf v0.5 self-tuning winner: no decay schedule (only a linear warmup
// inside the optimizer over warmup_factor * step_hint * step_hint_factor steps); gradients at y,
// evaluation at x, with BatchNorm statistics recomputed at x from the last training batches.
// Self-tuning: the published winning configuration; external tuning: the 5 published points.
// The update is the winner's own (schedule_free_form "algoperf_v05", optim/schedule_free_adamw.h):
// step lr sqrt(1 - b2^(k+1)) over sqrt(v) + eps, decay from x, v in bfloat16; "algoperf_v06" runs
// the v0.6 submission's update (schedule_free_adamw_v2) and "library" facebookresearch/schedule_free's.
#include "optim/schedule_free_adamw.h"
#include "submissions/common/unscheduled_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema schedule_free_adamw_hparams() {
  return HParamSchema()
      .number("learning_rate", "learning rate (constant after the warmup inside the optimizer)")
      .number("one_minus_beta1", "1 - beta1 (interpolation between x and z)")
      .number("beta2", "second-moment decay")
      .string("schedule_free_form", "algoperf_v05",
              "the update: algoperf_v05 (the v0.5 winner's), algoperf_v06 (schedule_free_adamw_v2's) or "
              "library (facebookresearch/schedule_free's AdamWScheduleFree)")
      .add(schedule_free_hparams());
}

// The options of the update named by schedule_free_form.
static ScheduleFreeAdamWOptions schedule_free_form(const Hyperparameters& h) {
  const std::string form = h.string("schedule_free_form");
  const double lr = h.number("learning_rate");
  if (form == "algoperf_v05") return ScheduleFreeAdamWOptions::algoperf_v05(lr);
  if (form == "algoperf_v06") return ScheduleFreeAdamWOptions::algoperf_v06(lr);
  TORCH_CHECK(form == "library", "schedule_free_adamw: schedule_free_form must be algoperf_v05, algoperf_v06 or "
              "library, got '", form, "'");
  return ScheduleFreeAdamWOptions(lr);
}

void register_schedule_free_adamw(SubmissionRegistry& registry) {
  registry.add({"schedule_free_adamw",
                "Schedule-Free AdamW (train at y, evaluate at x); AlgoPerf v0.5 self-tuning winner",
                "Defazio et al. 2024, The Road Less Scheduled; github.com/facebookresearch/schedule_free (algoperf/)",
                [] {
                  return std::make_unique<ScheduleFreeSubmission<ScheduleFreeAdamW>>([](const Hyperparameters& h) {
                    return schedule_free_form(h)
                        .beta1(1.0 - h.number("one_minus_beta1"))
                        .beta2(h.number("beta2"))
                        .eps(1e-8);
                  });
                },
                "schedule_free_adamw", schedule_free_adamw_hparams()});
}

}  // namespace trainperf
