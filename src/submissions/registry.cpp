#include "submissions/registry.h"

#include <stdexcept>

#include "runner/runner.h"

// One line per submission folder.
#define TRAINPERF_SUBMISSION_FOLDERS(X) \
  X(adamw) \
  X(momentum) \
  X(lamb) \
  X(adafactor) \
  X(sam) \
  X(shampoo) \
  X(lion) \
  X(muon) \
  X(soap) \
  X(schedule_free_adamw) \
  X(schedule_free_sgd) \
  X(dog) \
  X(dadapt_adam) \
  X(dadapt_sgd) \
  X(prodigy) \
  X(mechanic) \
  X(cocob) \
  X(ademamix) \
  X(cautious_nadamw) \
  X(nadamw_ema) \
  X(nadamw_lawa) \
  X(nadamw)

namespace trainperf {

#define TRAINPERF_DECLARE(folder) void register_##folder(SubmissionRegistry&);
TRAINPERF_SUBMISSION_FOLDERS(TRAINPERF_DECLARE)
#undef TRAINPERF_DECLARE

namespace {
const std::string& embedded(const std::string& path) {
  const auto& files = embedded_files();
  auto it = files.find(path);
  if (it == files.end()) throw std::logic_error("src/submissions/" + path + " was not compiled in");
  return it->second;
}
}  // namespace

HParamSchema SubmissionEntry::schema() const { return HParamSchema().add(hparams).add(model_hparams()); }

Hyperparameters SubmissionEntry::resolve(const Hyperparameters& point, const std::string& where) const {
  return schema().resolve(point, where + " (submission " + name + ")");
}

SearchSpace SubmissionEntry::search_space() const {
  if (!no_search_space.empty()) throw SearchSpaceError(no_search_space);
  if (!search_space_json.empty()) return SearchSpace::parse(search_space_json, folder + " (search space of " + name + ")");
  const std::string path = folder + "/search_space.json";
  if (!base.empty() && !embedded_files().count(path)) return submissions().find(base).search_space();
  return SearchSpace::parse(embedded(path), "src/submissions/" + path);
}

Hyperparameters SubmissionEntry::self_tuning_config() const {
  if (!no_self_tuning.empty()) throw SearchSpaceError(no_self_tuning);
  if (!self_tuning_json.empty())
    return resolve(Hyperparameters::from_json(self_tuning_json, folder + " (self-tuning config of " + name + ")"),
                   folder + " (self-tuning config)");
  const std::string path = folder + "/self_tuning.json";
  if (!base.empty() && !embedded_files().count(path)) {
    const SubmissionEntry& b = submissions().find(base);
    return resolve(b.self_tuning_config(), "src/submissions/" + b.folder + "/self_tuning.json");
  }
  return resolve(Hyperparameters::from_json(embedded(path), "src/submissions/" + path), "src/submissions/" + path);
}

void SubmissionRegistry::add(SubmissionEntry entry) {
  for (const auto& e : entries_)
    if (e.name == entry.name) throw std::logic_error("submission '" + entry.name + "' registered twice");
  if (entry.base.empty()) (void)entry.schema();  // a key declared twice is a programming error
  entries_.push_back(std::move(entry));
}

void SubmissionRegistry::inherit_base_hparams() {
  for (auto& e : entries_) {
    if (e.base.empty()) continue;
    const SubmissionEntry& b = find(e.base);
    if (!b.base.empty()) throw std::logic_error(e.name + ": its base " + b.name + " is itself a decorator");
    e.hparams = HParamSchema().add(b.hparams).add(e.hparams);
    (void)e.schema();
  }
}

const SubmissionEntry& SubmissionRegistry::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown submission '" + name + "'; known submissions: " + known);
}

const SubmissionRegistry& submissions() {
  static const SubmissionRegistry registry = [] {
    SubmissionRegistry r;
#define TRAINPERF_REGISTER(folder) register_##folder(r);
    TRAINPERF_SUBMISSION_FOLDERS(TRAINPERF_REGISTER)
#undef TRAINPERF_REGISTER
    r.inherit_base_hparams();
    return r;
  }();
  return registry;
}

}  // namespace trainperf
