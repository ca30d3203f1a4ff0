// The nadamw submission, unchanged, evaluated at LAWA: the mean of the last lawa_queue_len snapshots
// of its weights, one taken every lawa_every_factor * step_hint steps. The average wraps the
// registered nadamw submission rather than a flag inside it: any submission can be wrapped this way.
// Its search space and self-tuning configuration are nadamw's, with lawa_queue_len and lawa_every_factor at their defaults.
#include <algorithm>

#include "submissions/common/averaged_submission.h"
#include "submissions/registry.h"

namespace trainperf {

static HParamSchema nadamw_lawa_hparams() {
  return HParamSchema()
      .integer("lawa_queue_len", 5, "number of snapshots averaged")
      .number("lawa_every_factor", 0.01, "a snapshot every lawa_every_factor * step_hint steps");
}

void register_nadamw_lawa(SubmissionRegistry& registry) {
  registry.add(
      {"nadamw_lawa", "nadamw evaluated at LAWA, the mean of its last k weight snapshots (averaging decorator)",
       "Kaddour 2022, Stop Wasting My Time!; Sanyal et al. 2023; AlgoPerf LAWA submission (Ajroldi)",
       [] {
         return std::make_unique<AveragedSubmission>(
             submissions().find("nadamw").make(), [](const InitContext& ctx, std::vector<torch::Tensor> params) {
               const auto k = ctx.hparams.integer("lawa_queue_len");
               const auto every =
                   std::max<int64_t>(1, static_cast<int64_t>(ctx.hparams.number("lawa_every_factor") *
                                                             static_cast<double>(ctx.workload.spec().step_hint)));
               return std::make_unique<LawaAverage>(std::move(params), k, every);
             });
       },
       "nadamw_lawa", nadamw_lawa_hparams(), "nadamw"});
}

}  // namespace trainperf
