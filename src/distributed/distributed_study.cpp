#include "distributed/distributed_study.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <limits>
#include <ostream>

#include "distributed/c10d_communicator.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/registry.h"

namespace trainperf {

void announce_trial(Communicator& comm, const TrialAnnouncement& a) {
  std::vector<torch::Tensor> message{torch::tensor(
      {static_cast<double>(a.trial), a.reference_step_s.value_or(std::numeric_limits<double>::quiet_NaN())},
      torch::kDouble)};
  comm.broadcast(message, 0);
}

TrialAnnouncement receive_trial(Communicator& comm) {
  std::vector<torch::Tensor> message{torch::zeros({2}, torch::kDouble)};
  comm.broadcast(message, 0);
  TrialAnnouncement a;
  a.trial = static_cast<int>(message[0][0].item<double>());
  const double reference_step_s = message[0][1].item<double>();
  if (!std::isnan(reference_step_s)) a.reference_step_s = reference_step_s;
  return a;
}

void follow_study(const StudyRequest& r, C10dCommunicator& comm, std::ostream& out) {
  const DistInfo dist = comm.info();
  try {
    // The same study as rank 0's run_study: submission, points, seeds and trial options.
    const SubmissionEntry& sub = resolve_submission(r.submission, r.search_space_path);  // as run_study's
    std::unique_ptr<Workload> workload = make_workload(r.workload);
    const WorkloadSpec& spec = workload->spec();
    const std::optional<SearchSpace> space = study_search_space(r, sub);
    const int num_trials = r.ruleset == Ruleset::Self ? 1 : r.trials;
    const std::vector<Hyperparameters> points =
        study_points(sub, space ? &*space : nullptr, num_trials, search_seed(r.seed, r.study, spec.name),
                     r.self_tuning_config_path);
    set_threads(r.threads);
    const torch::Device device = parse_device(r.device);
    workload->load_data(DataOptions{r.data_dir, device});
    fmt::print(out, "rank {} of {} ({}): following rank 0's study of {} on {}; rank 0 writes the logs\n", dist.rank,
               dist.world_size, comm.backend(), sub.name, spec.name);
    out.flush();
    while (true) {
      const TrialAnnouncement a = receive_trial(comm);
      if (a.trial == 0) return;
      if (a.trial < 1 || a.trial > num_trials)
        throw std::logic_error(fmt::format("rank 0 announced trial {} of a study of {}", a.trial, num_trials));
      std::unique_ptr<Submission> submission = sub.make();
      TrialOptions options;
      options.ruleset = r.ruleset;
      options.rules = r.rules;
      options.seed = trial_seed(r.seed, r.study, spec.name, a.trial);
      options.max_steps = r.max_steps;
      options.max_runtime_s = r.max_runtime_s;
      options.reference_step_s = a.reference_step_s;
      options.stop_at_targets = r.stop_at_targets;
      options.device = device;
      const TrialResult result = run_trial(*workload, *submission, points[a.trial - 1], options, comm);
      if (result.status == TrialStatus::Failed)
        throw std::runtime_error(fmt::format("trial {} failed on this rank: {}", a.trial, result.message));
      fmt::print(out, "rank {}: trial {} done at step {} ({})\n", dist.rank, a.trial, result.global_step,
                 to_string(result.status));
      out.flush();
    }
  } catch (const GroupFailure&) {
    throw;
  } catch (const std::exception& e) {
    comm.report_failure(e.what());
    throw;
  }
}

}  // namespace trainperf
