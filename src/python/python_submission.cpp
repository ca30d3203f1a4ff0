#include "python/python_submission.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "python/algoperf_analogs.h"
#include "python/interpreter.h"
#include "runner/runner.h"
#include "submissions/common/gradient_submission.h"
#include "trainperf/checkpointable.h"
#include "tuning/search_space.h"

namespace trainperf {

namespace {

using trainperf::to_python;  // the tensor overload, next to this file's own

// What the C++ functions of the embedded module `_trainperf` act on: one trial's workload, model and
// training stream. Python holds it as an opaque object.
struct BridgeHandle {
  Workload* workload = nullptr;
  Model* model = nullptr;
  BatchStream* stream = nullptr;
  Batch last;  // the batch of this step (the loss reads its extras)
  const StepContext* step = nullptr;  // inside update_params
  // Under data parallelism: the trial's group and the parameters whose gradients it averages.
  Communicator* comm = nullptr;
  std::vector<torch::Tensor> params;
};

CppStep& cpp_step() {
  static CppStep step;
  return step;
}

py::dict to_python(const Batch& b) {
  py::dict d;
  d["inputs"] = to_python(b.inputs);
  d["targets"] = to_python(b.targets);
  if (b.weights.defined()) d["weights"] = to_python(b.weights);
  for (const auto& [k, v] : b.extras) d[py::str(k)] = to_python(v);
  return d;
}

Batch to_batch(py::handle obj, const std::string& what) {
  if (!py::isinstance<py::dict>(obj))
    throw std::invalid_argument(what + " is a " + std::string(py::str(py::type::of(obj).attr("__name__"))) +
                                ", not a dict of tensors");
  Batch b;
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(obj)) {
    const std::string k = py::str(key);
    torch::Tensor t = to_tensor(value, what + "['" + k + "']");
    if (k == "inputs") b.inputs = t;
    else if (k == "targets") b.targets = t;
    else if (k == "weights") b.weights = t;
    else b.extras[k] = t;
  }
  return b;
}

py::object to_python(const HValue& v) {
  return std::visit(
      [](const auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, HNone>) return py::none();
        else return py::cast(x);
      },
      v);
}

py::dict to_python(const Hyperparameters& h) {
  py::dict d;
  for (const auto& [k, v] : h.values()) d[py::str(k)] = to_python(v);
  return d;
}

}  // namespace

}  // namespace trainperf

// The C++ half of the bridge, imported by trainperf_bridge.py. Each function releases the GIL while
// C++ computes.
PYBIND11_EMBEDDED_MODULE(_trainperf, m) {
  using namespace trainperf;
  py::class_<BridgeHandle>(m, "Handle");
  m.def("model_fn", [](BridgeHandle& h, py::handle batch, bool train, bool update_batch_norm) {
    Batch b = to_batch(batch, "the batch given to model_fn");
    torch::Tensor logits;
    {
      py::gil_scoped_release release;
      logits = h.workload->model_fn(*h.model, b, train ? ForwardMode::Train : ForwardMode::Eval, update_batch_norm);
    }
    return to_python(logits);
  });
  m.def("loss_fn", [](BridgeHandle& h, py::handle label, py::handle logits, py::handle mask, double label_smoothing) {
    Batch b = h.last;
    b.targets = to_tensor(label, "loss_fn's label_batch");
    b.weights = to_tensor(mask, "loss_fn's mask_batch");
    torch::Tensor z = to_tensor(logits, "loss_fn's logits_batch");
    LossOutput out;
    {
      py::gil_scoped_release release;
      out = h.workload->loss(z, b, label_smoothing);
    }
    return py::make_tuple(to_python(out.summed), to_python(out.count), to_python(out.per_example));
  });
  // What AlgoPerf's DDP wrapper does during a backward pass: the gradients summed over ranks and
  // divided by their number (trainperf_c10d.average_gradients_after_backward calls it).
  m.def("average_gradients", [](BridgeHandle& h) {
    if (!h.comm) throw std::logic_error("average_gradients: the trial has no communicator");
    py::gil_scoped_release release;
    average_gradients(*h.comm, h.params);
  });
  m.def("cpp_step", [](BridgeHandle& h) {
    if (!cpp_step() || !h.step) throw std::logic_error("cpp_step: no C++ step is set (bench/python_step sets one)");
    StepResult r;
    {
      py::gil_scoped_release release;
      r = cpp_step()(*h.step, h.last);
    }
    return to_python(r.loss);
  });
  m.def("next_batch", [](BridgeHandle& h) {
    if (!h.stream) throw std::logic_error("the input queue is only readable inside data_selection");
    {
      py::gil_scoped_release release;
      h.last = h.stream->next();
    }
    return to_python(h.last);
  });
}

namespace trainperf {

namespace {

// Python exceptions as C++ errors: the traceback, the file and the function; the runner records
// the trial as failed.
template <class F>
auto call_python(const std::string& file, const char* function, F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    throw SubmissionFailure(fmt::format("{} raised in {}:\n{}", function, file, python_traceback(e)));
  } catch (const std::invalid_argument& e) {
    throw SubmissionFailure(fmt::format("{} in {}: {}", function, file, e.what()));
  }
}

// The AlgoPerf eval_results entry of one evaluation: {"train/loss": ..., "validation/accuracy": ...}.
py::dict eval_result(const std::map<std::string, Metrics>& last_eval) {
  py::dict d;
  for (const auto& [split, metrics] : last_eval)
    for (const auto& [name, value] : metrics) d[py::str(split + "/" + name)] = value;
  return d;
}

py::dict train_state_dict(const TrainState& s) {
  py::dict d;
  d["accumulated_submission_time"] = s.accumulated_submission_time;
  d["max_runtime_s"] = s.max_runtime_s;
  d["last_eval_time"] = s.last_eval_time;
  d["validation_goal_reached"] = s.validation_goal_reached;
  d["test_goal_reached"] = s.test_goal_reached;
  d["is_time_remaining"] = s.accumulated_submission_time < s.max_runtime_s;
  d["training_complete"] = false;
  d["global_step"] = s.global_step;
  d["num_evals"] = s.num_evals;
  d["eval_period_s"] = s.eval_period_s;
  return d;
}

// Bytes from Python as a uint8 tensor in a checkpoint archive, and back.
torch::Tensor bytes_tensor(const std::string& bytes) {
  return torch::from_blob(const_cast<char*>(bytes.data()), {static_cast<int64_t>(bytes.size())}, torch::kUInt8)
      .clone();
}

py::bytes tensor_bytes(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return py::bytes(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
}

// One trial of an AlgoPerf-style submission file. Checkpointed as AlgoPerf's PyTorch runner does
// (trainperf_bridge.SubmissionRun.save_state), with eval_results and model_state.
class PythonFileSubmission final : public Submission, public Checkpointable {
 public:
  PythonFileSubmission(std::string file, std::shared_ptr<py::object> module)
      : file_(std::move(file)), module_(std::move(module)) {}

  ~PythonFileSubmission() override {
    PythonCall gil;
    run_ = py::object();
    batch_ = py::object();
  }

  int64_t batch_size(const WorkloadSpec& spec) const override {
    const AlgoPerfAnalog* analog = algoperf_analog(spec);
    const std::string name = analog ? analog->algoperf_name : spec.name;
    PythonCall gil;
    const auto returned = call_python(file_, "get_batch_size", [&] {
      return bridge().attr("batch_size")(*module_, name).cast<int64_t>();
    });
    return scaled_batch_size(spec, returned);
  }

  void init_optimizer_state(const InitContext& ctx) override {
    const WorkloadSpec& spec = ctx.workload.spec();
    const AlgoPerfAnalog* analog = algoperf_analog(spec);
    handle_.workload = &ctx.workload;
    handle_.model = &ctx.model;
    handle_.comm = &ctx.comm;
    handle_.params.clear();
    for (const ParamInfo& p : ctx.params) handle_.params.push_back(p.tensor);
    PythonCall gil;
    py::dict info;
    info["name"] = spec.name;
    info["algoperf_name"] = analog ? analog->algoperf_name : spec.name;
    info["loss_type"] = analog ? analog->loss_type : "SOFTMAX_CROSS_ENTROPY";
    info["target_metric_name"] = spec.target_metric;
    info["maximize"] = spec.goal == Goal::Maximize;
    info["validation_target_value"] = spec.validation_target;
    info["test_target_value"] = spec.test_target;
    info["step_hint"] = spec.step_hint;
    // A trial's converted seconds; a caller outside a trial (benchmarks) leaves them 0: the spec's.
    info["max_allowed_runtime_sec"] = ctx.max_runtime_s > 0 ? ctx.max_runtime_s : spec.max_runtime_s;
    info["eval_period_time_sec"] = ctx.eval_period_s > 0 ? ctx.eval_period_s : spec.eval_period_s;
    info["num_train_examples"] = spec.num_train_examples;
    info["num_eval_train_examples"] = spec.num_eval_train_examples;
    info["num_validation_examples"] = spec.num_validation_examples;
    info["num_test_examples"] = spec.num_test_examples;
    info["eval_batch_size"] = spec.reference_batch_size;
    py::list params, kinds, buffers;
    for (const ParamInfo& p : ctx.params) {
      params.append(py::make_tuple(p.name, to_python(p.tensor)));
      kinds.append(py::make_tuple(p.name, to_string(p.type)));
    }
    for (const auto& b : ctx.model.named_buffers()) buffers.append(py::make_tuple(b.key(), to_python(b.value())));
    const bool self_tuning = ctx.ruleset == Ruleset::Self;
    call_python(file_, "init_optimizer_state", [&] {
      run_ = bridge().attr("SubmissionRun")(*module_, py::cast(&handle_, py::return_value_policy::reference),
                                            info, params, kinds, buffers, to_python(ctx.hparams), self_tuning);
      run_.attr("init")(ctx.seed);
      // As a DDP-wrapped model: every backward pass ends with the gradients averaged over the ranks.
      if (ctx.comm.info().world_size > 1)
        py::module_::import("trainperf_c10d")
            .attr("average_gradients_after_backward")(params, py::cast(&handle_, py::return_value_policy::reference));
      return 0;
    });
  }

  Batch data_selection(const StepContext& ctx, BatchStream& stream) override {
    PythonCall gil;
    note_evals(ctx);
    handle_.stream = &stream;
    Batch b = call_python(file_, "data_selection", [&] {
      batch_ = run_.attr("select")(ctx.global_step, ctx.rng_seed);
      return to_batch(batch_, "the batch data_selection returned");
    });
    handle_.stream = nullptr;
    return b;
  }

  StepResult update_params(const StepContext& ctx, const Batch& batch) override {
    PythonCall gil;
    handle_.last = batch;
    handle_.step = &ctx;
    py::object given = batch_ ? batch_ : py::object(to_python(batch));
    batch_ = py::object();
    struct Clear {
      BridgeHandle& h;
      ~Clear() { h.step = nullptr; }
    } clear{handle_};
    return call_python(file_, "update_params", [&] {
      py::tuple r = run_.attr("update")(given, ctx.global_step, ctx.rng_seed, train_state_dict(ctx.train_state));
      StepResult out;
      out.loss = to_tensor(r[0], "the loss");
      out.training_complete = r[1].cast<bool>();
      return out;
    });
  }

  void prepare_for_eval(const StepContext& ctx) override {
    PythonCall gil;
    note_evals(ctx);
    call_python(file_, "prepare_for_eval", [&] {
      run_.attr("prepare")(ctx.global_step, ctx.rng_seed);
      return 0;
    });
  }

 // An optimizer state that pickle cannot write (a generator, a lambda, an open file) is not
  // checkpointed: the trial goes on without checkpoints, said once, as for a submission that is not
  // Checkpointable.
  bool save_state(torch::serialize::OutputArchive& archive) const override {
    PythonCall gil;
    std::string bytes;
    try {
      bytes = run_.attr("save_state")().cast<std::string>();
    } catch (py::error_already_set& e) {
      spdlog::warn("{}: its state cannot be checkpointed, so this trial runs without checkpoints: {}", file_,
                   std::string(py::str(e.value())));
      return false;
    }
    archive.write("python_state", bytes_tensor(bytes));
    archive.write("evals_seen", torch::tensor(evals_seen_));
    return true;
  }

  void load_state(torch::serialize::InputArchive& archive) override {
    torch::Tensor bytes, evals_seen;
    archive.read("python_state", bytes);
    archive.read("evals_seen", evals_seen);
    evals_seen_ = evals_seen.item<int64_t>();
    PythonCall gil;
    call_python(file_, "restoring its checkpointed state", [&] {
      run_.attr("load_state")(tensor_bytes(bytes));
      return 0;
    });
  }

 private:
  // AlgoPerf's eval_results: one (global_step, metrics) per evaluation, appended as they happen.
  void note_evals(const StepContext& ctx) {
    if (ctx.train_state.num_evals <= evals_seen_ || ctx.last_eval.empty()) return;
    evals_seen_ = ctx.train_state.num_evals;
    run_.attr("note_eval")(ctx.global_step, eval_result(ctx.last_eval));
  }

  std::string file_;
  std::shared_ptr<py::object> module_;
  BridgeHandle handle_;
  py::object run_, batch_;
  int64_t evals_seen_ = 0;
};

struct LrOptions : public torch::optim::OptimizerCloneableOptions<LrOptions> {
  explicit LrOptions(double lr) : lr_(lr) {}
  TORCH_ARG(double, lr);

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

// A torch.optim.Optimizer seen from C++: one param group whose learning rate the harness's schedule
// sets; step() hands it to the Python optimizer and steps that.
class PythonOptimizer final : public torch::optim::Optimizer {
 public:
  PythonOptimizer(std::vector<torch::Tensor> params, double lr, py::object optimizer, std::string name)
      : torch::optim::Optimizer(std::move(params), std::make_unique<LrOptions>(lr)),
        optimizer_(std::move(optimizer)),
        name_(std::move(name)) {}
  ~PythonOptimizer() override {
    PythonCall gil;
    optimizer_ = py::object();
  }

  torch::Tensor step(LossClosure closure = nullptr) override {
    TORCH_CHECK(!closure, name_ + ": closures are not supported");
    const double lr = param_groups_.front().options().get_lr();
    PythonCall gil;
    call_python(name_, "step", [&] {
      bridge().attr("optimizer_step")(optimizer_, lr);
      return 0;
    });
    return {};
  }
  // The Python optimizer's state_dict(), pickled (GradientSubmission checkpoints its optimizer; the
  // schedule is a function of the step).
  void save(torch::serialize::OutputArchive& archive) const override {
    PythonCall gil;
    const std::string bytes = call_python(name_, "state_dict", [&] {
      return bridge().attr("optimizer_state")(optimizer_).cast<std::string>();
    });
    archive.write("torch_optim_state", bytes_tensor(bytes));
  }
  void load(torch::serialize::InputArchive& archive) override {
    torch::Tensor bytes;
    archive.read("torch_optim_state", bytes);
    PythonCall gil;
    call_python(name_, "load_state_dict", [&] {
      bridge().attr("load_optimizer_state")(optimizer_, tensor_bytes(bytes));
      return 0;
    });
  }

 private:
  py::object optimizer_;
  std::string name_;
};

class TorchOptimizerSubmission final : public GradientSubmission {
 public:
  explicit TorchOptimizerSubmission(std::string spec) : spec_(std::move(spec)) {}

 protected:
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const InitContext& ctx,
                                                          const std::vector<torch::Tensor>& params) override {
    PythonCall gil;
    py::list tensors;
    for (const auto& p : params) tensors.append(to_python(p));
    py::object opt = call_python(spec_, "the constructor", [&] {
      return bridge().attr("make_optimizer")(spec_, tensors, to_python(ctx.hparams));
    });
    return std::make_unique<PythonOptimizer>(params, ctx.hparams.number("learning_rate"), std::move(opt), spec_);
  }

 private:
  std::string spec_;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Python file's keys: every key of its search space and HPARAMS, typed as given there. Keys the
// harness declares itself (dropout) are left to it.
void declare_keys(HParamSchema& schema, const Hyperparameters& point) {
  for (const auto& [name, value] : point.values()) {
    if (schema.find(name) || model_hparams().find(name)) continue;
    HType type = HType::Number;
    if (std::holds_alternative<bool>(value)) type = HType::Boolean;
    else if (std::holds_alternative<int64_t>(value)) type = HType::Integer;  // stays an int in Python
    else if (std::holds_alternative<std::string>(value)) type = HType::String;
    schema.optional(name, type, "read by the submission file");
    if (std::holds_alternative<HNone>(value)) schema.nullable();
  }
}

void declare_keys(HParamSchema& schema, const SearchSpace& space) {
  for (const auto& p : space.points()) declare_keys(schema, p);
  for (const auto& r : space.ranges())
    if (!schema.find(r.name) && !model_hparams().find(r.name))
      schema.optional(r.name, HType::Number, "read by the submission file");
  for (const auto& d : space.discrete()) {
    Hyperparameters first;
    for (const auto& v : d.feasible_points) {
      first.set(d.name, v);
      declare_keys(schema, first);
    }
  }
}

std::string entry_name(const std::filesystem::path& file) {
  // AlgoPerf's leaderboard files are all submission.py: their folder names them.
  const std::string stem = file.stem().string();
  if (stem == "submission" && file.has_parent_path()) return file.parent_path().filename().string();
  return stem;
}

// Imported files stay loaded for the life of the process (a module per file).
std::shared_ptr<py::object> import_file(const std::string& path) {
  ensure_python();
  PythonCall gil;
  static std::map<std::string, std::shared_ptr<py::object>>* loaded = new std::map<std::string, std::shared_ptr<py::object>>;
  auto it = loaded->find(path);
  if (it != loaded->end()) return it->second;
  py::object module;
  try {
    module = bridge().attr("load_submission")(path);
  } catch (py::error_already_set& e) {
    const std::string type = py::str(e.type().attr("__name__"));
    if (type == "SubmissionFileError") throw std::invalid_argument(py::str(e.value()).cast<std::string>());
    const std::string message = py::str(e.value());
    if (message.rfind("JAX submissions are not supported", 0) == 0)
      throw std::invalid_argument(path + ": " + message);
    throw std::invalid_argument("importing " + path + " failed:\n" + python_traceback(e));
  }
  auto shared = std::shared_ptr<py::object>(new py::object(module), [](py::object* o) {
    PythonCall g;
    delete o;
  });
  loaded->emplace(path, shared);
  return shared;
}

SubmissionEntry file_entry(const std::string& arg, const std::string& search_space_path) {
  namespace fs = std::filesystem;
  if (!fs::is_regular_file(arg)) throw std::invalid_argument("Python submission '" + arg + "': file not found");
  const fs::path file = fs::canonical(arg);
  auto module = import_file(file.string());
  std::string package, hparams_json;
  bool has_prepare = false, has_train_state = false;
  {
    PythonCall gil;
    py::dict d = bridge().attr("describe")(*module);
    package = d["package"].cast<std::string>();
    has_train_state = d["train_state"].cast<bool>();
    has_prepare = d["prepare_for_eval"].cast<bool>();
    hparams_json = d["hparams"].cast<std::string>();
  }
  SubmissionEntry e;
  e.name = entry_name(file);
  e.description = fmt::format("Python submission {} ({}; update_params {} train_state{})", file.string(), package,
                              has_train_state ? "with" : "without", has_prepare ? "; prepare_for_eval" : "");
  e.source = file.string();
  e.folder = file.parent_path().string();
  const fs::path adjacent = file.parent_path() / "tuning_search_space.json";
  if (fs::is_regular_file(adjacent)) {
    e.search_space_json = read_text(adjacent);
    declare_keys(e.hparams, SearchSpace::parse(e.search_space_json, adjacent.string()));
  } else {
    e.no_search_space = file.string() + " has no tuning_search_space.json next to it; pass --search-space FILE "
                                        "(or run it self-tuning, with HPARAMS in the file)";
  }
  if (!search_space_path.empty()) declare_keys(e.hparams, SearchSpace::load(search_space_path));
  if (!hparams_json.empty()) {
    e.self_tuning_json = hparams_json;
    declare_keys(e.hparams, Hyperparameters::from_json(hparams_json, file.string() + " (HPARAMS)"));
  } else {
    e.no_self_tuning = file.string() + " defines no HPARAMS: self-tuning needs the file's own hyperparameters "
                                       "(use --ruleset external with a search space)";
  }
  const std::string path = file.string();
  e.make = [path, module] { return std::make_unique<PythonFileSubmission>(path, module); };
  return e;
}

SubmissionEntry optimizer_entry(const std::string& arg) {
  ensure_python();
  HParamSchema keys = HParamSchema().number("learning_rate", "the schedule's peak learning rate (lr)");
  {
    PythonCall gil;
    py::list found;
    try {
      found = bridge().attr("optimizer_keys")(arg);
    } catch (py::error_already_set& e) {
      const std::string type = py::str(e.type().attr("__name__"));
      if (type == "SubmissionFileError") throw std::invalid_argument(py::str(e.value()).cast<std::string>());
      throw std::invalid_argument("optimizer '" + arg + "':\n" + python_traceback(e));
    }
    const HParamSchema harness = HParamSchema().add(schedule_hparams()).add(gradient_hparams());
    for (auto item : found) {
      auto [name, type] = item.cast<std::pair<std::string, std::string>>();
      if (harness.find(name) || model_hparams().find(name)) continue;
      const HType t = type == "boolean" ? HType::Boolean
                      : type == "integer" ? HType::Integer
                      : type == "string" ? HType::String
                                         : HType::Number;
      keys.optional(name, t, name == "one_minus_beta1" ? "1 - beta1 (betas[0] or momentum)"
                             : name == "beta2"        ? "betas[1]"
                                                      : "the constructor's argument of that name");
    }
    keys.add(harness);
  }
  SubmissionEntry e;
  e.name = arg;
  std::replace(e.name.begin(), e.name.end(), ':', '.');
  e.description = arg + " (a torch.optim.Optimizer) under trainperf's schedule";
  e.source = arg;
  e.folder = arg;
  e.hparams = keys;
  e.no_search_space = arg + " has no search space of its own; pass --search-space FILE";
  e.self_tuning_json = R"({"learning_rate": 0.001, "warmup_factor": 0.05})";
  e.make = [arg] { return std::make_unique<TorchOptimizerSubmission>(arg); };
  return e;
}

}  // namespace

void set_cpp_step(CppStep step) { cpp_step() = std::move(step); }

bool is_python_submission(const std::string& arg) {
  if (ends_with(arg, ".py")) return true;
  if (arg.find('/') != std::string::npos || ends_with(arg, ".so")) return false;
  return arg.rfind("torch.optim.", 0) == 0 || arg.find(':') != std::string::npos;
}

SubmissionEntry python_submission_entry(const std::string& arg, const std::string& search_space_path) {
  return ends_with(arg, ".py") ? file_entry(arg, search_space_path) : optimizer_entry(arg);
}

}  // namespace trainperf
