#include "runner/checkpoint.h"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

namespace trainperf {

namespace fs = std::filesystem;

namespace {

// The archive's keys: the bookkeeping as JSON text (readable, exact: doubles round-trip), then the
// model's and the submission's tensors in sub-archives.
constexpr const char* kLoopKey = "trainperf_loop";
constexpr const char* kModelKey = "model";
constexpr const char* kSubmissionKey = "submission";
constexpr int kCheckpointFormat = 1;

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }
nlohmann::json optional_json(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

nlohmann::json LoopCheckpoint::to_json() const {
  const TrainState& s = train_state;
  return {
      {"format", kCheckpointFormat},
      {"identity", identity},
      {"global_step", s.global_step},
      {"accumulated_submission_time", s.accumulated_submission_time},
      {"max_runtime_s", s.max_runtime_s},
      {"last_eval_time", s.last_eval_time},
      {"num_evals", s.num_evals},
      {"validation_goal_reached", s.validation_goal_reached},
      {"test_goal_reached", s.test_goal_reached},
      {"batches_consumed", batches_consumed},
      {"preemption_count", preemption_count},
      {"accumulated_eval_time", eval_time},
      {"accumulated_logging_time", logging_time},
      {"last_loss", last_loss},
      {"training_complete", training_complete},
      {"since_last_eval", since_last_eval},
      {"total_duration", total_duration},
      {"last_eval_step", last_eval_step},
      {"last_eval", last_eval},
      {"time_to_target", optional_json(time_to_target)},
      {"step_to_target", optional_json(step_to_target)},
      {"best_validation", best_validation},
      {"eval_period_s", eval_period_s},
      {"reference_step_s", reference_step_s},
  };
}

LoopCheckpoint LoopCheckpoint::from_json(const nlohmann::json& j) {
  if (j.value("format", 0) != kCheckpointFormat)
    throw std::runtime_error(fmt::format("checkpoint format {} (this trainperf reads {})", j.value("format", 0),
                                         kCheckpointFormat));
  LoopCheckpoint c;
  TrainState& s = c.train_state;
  s.global_step = j.at("global_step").get<int64_t>();
  s.accumulated_submission_time = j.at("accumulated_submission_time").get<double>();
  s.max_runtime_s = j.at("max_runtime_s").get<double>();
  s.last_eval_time = j.at("last_eval_time").get<double>();
  s.num_evals = j.at("num_evals").get<int64_t>();
  s.validation_goal_reached = j.at("validation_goal_reached").get<bool>();
  s.test_goal_reached = j.at("test_goal_reached").get<bool>();
  c.identity = j.at("identity");
  c.batches_consumed = j.at("batches_consumed").get<int64_t>();
  c.preemption_count = j.at("preemption_count").get<int64_t>();
  c.eval_time = j.at("accumulated_eval_time").get<double>();
  c.logging_time = j.at("accumulated_logging_time").get<double>();
  c.last_loss = j.at("last_loss").get<double>();
  c.training_complete = j.at("training_complete").get<bool>();
  c.since_last_eval = j.at("since_last_eval").get<double>();
  c.total_duration = j.at("total_duration").get<double>();
  c.last_eval_step = j.at("last_eval_step").get<int64_t>();
  c.last_eval = j.at("last_eval").get<std::map<std::string, Metrics>>();
  if (!j.at("time_to_target").is_null()) c.time_to_target = j["time_to_target"].get<double>();
  if (!j.at("step_to_target").is_null()) c.step_to_target = j["step_to_target"].get<int64_t>();
  c.best_validation = j.at("best_validation").get<double>();
  c.eval_period_s = j.at("eval_period_s").get<double>();
  c.reference_step_s = j.at("reference_step_s").get<double>();
  return c;
}

std::optional<TrialCheckpoint> TrialCheckpoint::read(const fs::path& file) {
  if (!fs::exists(file)) return std::nullopt;
  TrialCheckpoint c;
  c.file = file;
  c.archive = std::make_shared<torch::serialize::InputArchive>();
  try {
    c.archive->load_from(file.string());
    c10::IValue text;
    c.archive->read(kLoopKey, text);
    c.loop = LoopCheckpoint::from_json(nlohmann::json::parse(text.toStringRef()));
  } catch (const std::exception& e) {  // c10::Error's message is a stack trace: its first line says enough
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    throw std::runtime_error(file.string() + ": not a readable trainperf checkpoint (" + what + ")");
  }
  return c;
}

void TrialCheckpoint::restore_model(Model& model) const {
  torch::serialize::InputArchive tensors;
  archive->read(kModelKey, tensors);
  torch::NoGradGuard no_grad;
  auto restore = [&](const std::string& name, torch::Tensor& into, bool is_buffer) {
    torch::Tensor saved;
    tensors.read(name, saved, is_buffer);
    if (!saved.sizes().equals(into.sizes()))
      throw std::runtime_error(fmt::format("{}: model tensor '{}' has shape {}, the model's is {} (delete the file "
                                           "to run the trial from step 0)",
                                           file.string(), name, c10::str(saved.sizes()), c10::str(into.sizes())));
    into.copy_(saved);  // in place: the optimizer's and the averages' references stay valid
  };
  for (auto& p : model.named_parameters()) restore(p.key(), p.value(), false);
  for (auto& b : model.named_buffers()) restore(b.key(), b.value(), true);
}

void TrialCheckpoint::restore_submission(Submission& submission) const {
  torch::serialize::InputArchive state;
  archive->read(kSubmissionKey, state);
  auto* checkpointable = dynamic_cast<Checkpointable*>(&submission);
  if (!checkpointable)
    throw std::runtime_error(file.string() + ": the submission cannot load a checkpoint (it is not Checkpointable)");
  checkpointable->load_state(state);
}

bool write_checkpoint(const fs::path& file, const LoopCheckpoint& loop, Model& model, const Submission& submission) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive state(archive.compilation_unit());
  const auto* checkpointable = dynamic_cast<const Checkpointable*>(&submission);
  if (!checkpointable || !checkpointable->save_state(state)) return false;
  torch::serialize::OutputArchive tensors(archive.compilation_unit());
  for (const auto& p : model.named_parameters()) tensors.write(p.key(), p.value().detach());
  for (const auto& b : model.named_buffers()) tensors.write(b.key(), b.value(), /*is_buffer=*/true);
  archive.write(kLoopKey, c10::IValue(loop.to_json().dump()));
  archive.write(kModelKey, tensors);
  archive.write(kSubmissionKey, state);

  // A temporary file renamed over the old checkpoint: killed at any moment, the folder holds the
  // previous checkpoint or this one, whole.
  const fs::path tmp = file.string() + ".tmp";
  try {
    archive.save_to(tmp.string());
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    std::string what = e.what();
    throw std::runtime_error("cannot write checkpoint '" + tmp.string() + "' (disk full?): " +
                             what.substr(0, what.find('\n')));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw std::runtime_error("cannot rename '" + tmp.string() + "' to '" + file.string() + "': " + ec.message());
  return true;
}

}  // namespace trainperf
