// The nadamw submission, unchanged, evaluated at LAWA: the mean of the last lawa_queue_len snapshots
// of its weights, one taken every lawa_every_factor * step_hint steps. The average wraps the
// registered nadamw submission rather than a flag inside it: any submission can be wrapped this way.
#include <algorithm>

#include "optim/averaged_submission.h"
#include "submissions/registry.h"

namespace trainperf {

void register_nadamw_lawa(SubmissionRegistry& registry) {
  registry.add(
      {"nadamw_lawa", "nadamw evaluated at LAWA, the mean of its last k weight snapshots (averaging decorator)",
       "Kaddour 2022, Stop Wasting My Time!; Sanyal et al. 2023; AlgoPerf LAWA submission (Ajroldi)",
       [] {
         return std::make_unique<AveragedSubmission>(
             submissions().find("nadamw").make(), [](const InitContext& ctx, std::vector<torch::Tensor> params) {
               const auto k = static_cast<int64_t>(ctx.hparams.number("lawa_queue_len"));
               const auto every =
                   std::max<int64_t>(1, static_cast<int64_t>(ctx.hparams.number("lawa_every_factor") *
                                                             static_cast<double>(ctx.workload.spec().step_hint)));
               return std::make_unique<LawaAverage>(std::move(params), k, every);
             });
       },
       "nadamw_lawa"});
}

}  // namespace trainperf
