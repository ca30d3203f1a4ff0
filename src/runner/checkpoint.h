// Mid-trial checkpoints (docs/tuning.md, "Checkpoints and preemption"): every --checkpoint-every-min
// minutes of wall time the runner writes the model's parameters and buffers, the submission's state
// (Checkpointable::save_state: optimizer, averages) and its own bookkeeping (steps, the batches
// the data stream has handed out, the accumulated times, the last evaluation) to one file, atomically
// (a temporary file renamed over the old one: a SIGKILL during a write leaves the previous checkpoint).
// A rerun of a killed trial resumes from it, preemption_count one higher, as AlgoPerf's
// submission_runner.py does, and goes on exactly as the uninterrupted trial would have.
#pragma once

#include <trainperf/checkpointable.h>
#include <trainperf/submission.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace trainperf {

// The file in a trial's folder.
inline constexpr const char* kCheckpointFile = "checkpoint.pt";

// The runner's bookkeeping when the checkpoint was taken: right after a step's update (and its
// divergence check), before that step's evaluation decision. Times are seconds.
struct LoopCheckpoint {
  TrainState train_state;         // global_step, accumulated submission time, num_evals, goals, budget
  int64_t batches_consumed = 0;   // batches the stream handed to data_selection: replayed on resume
  int64_t preemption_count = 0;   // of the attempt that wrote it
  double eval_time = 0;           // accumulated_eval_time
  double logging_time = 0;        // accumulated_logging_time (checkpoint writes included)
  double last_loss = 0;           // the checkpointed step's training loss
  bool training_complete = false; // the checkpointed step's update said it was done
  double since_last_eval = 0;     // wall time from the end of the last evaluation to the checkpoint
  double total_duration = 0;      // wall time since the trial started, over all its attempts
  int64_t last_eval_step = -1;
  std::map<std::string, Metrics> last_eval;  // what the submission sees as the last evaluation
  std::optional<double> time_to_target;
  std::optional<int64_t> step_to_target;
  double best_validation = 0;
  // The evaluation period and reference step the trial started under (the budget is in train_state),
  // kept on resume: never measured again.
  double eval_period_s = 0, reference_step_s = 0;
  // Which trial it belongs to (workload, seed, batch size, hyperparameters, rules): a checkpoint of
  // anything else is not resumed from.
  nlohmann::json identity;

  nlohmann::json to_json() const;
  static LoopCheckpoint from_json(const nlohmann::json& j);
};

// A checkpoint read back: the bookkeeping, and the archive holding the model's and the submission's
// tensors for restore_model / restore_submission.
struct TrialCheckpoint {
  std::filesystem::path file;
  LoopCheckpoint loop;
  std::shared_ptr<torch::serialize::InputArchive> archive;

  // Reads `file`; nullopt when it does not exist. Throws std::runtime_error naming the file when it
  // cannot be read as a trainperf checkpoint.
  static std::optional<TrialCheckpoint> read(const std::filesystem::path& file);

  // Copies the saved parameters and buffers into `model` (same names and shapes, or throws).
  void restore_model(Model& model) const;
  // Checkpointable::load_state on the saved submission state (throws when `submission` is not one).
  void restore_submission(Submission& submission) const;
};

// Writes a checkpoint of `model`, `submission` and `loop` to `file` atomically. Returns false, writing
// nothing, when the submission cannot be checkpointed (not Checkpointable, or its save_state said no).
bool write_checkpoint(const std::filesystem::path& file, const LoopCheckpoint& loop, Model& model,
                      const Submission& submission);

}  // namespace trainperf
