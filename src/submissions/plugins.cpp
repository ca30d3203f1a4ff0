// Loading out-of-tree submissions from shared libraries.
#include <trainperf/plugin.h>

#include <dlfcn.h>

#include <filesystem>
#include <mutex>

#include "python/python_submission.h"
#include "submissions/registry.h"

namespace trainperf {

namespace {

class Collector final : public PluginRegistrar {
 public:
  explicit Collector(std::string path) : path_(std::move(path)) {}
  void add(PluginSubmission s) override {
    SubmissionEntry e;
    e.name = s.name;
    e.description = s.description;
    e.source = s.source;
    e.make = s.make;
    e.folder = path_;
    e.search_space_json = s.search_space_json;
    e.self_tuning_json = s.self_tuning_json.empty() ? "{}" : s.self_tuning_json;
    e.hparams = s.hparams;
    try {
      (void)e.schema();
    } catch (const std::logic_error& err) {
      throw std::invalid_argument("plugin '" + path_ + "', submission '" + s.name + "': " + err.what());
    }
    entries.push_back(std::move(e));
  }
  std::vector<SubmissionEntry> entries;

 private:
  std::string path_;
};

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || (s.size() > 3 && s.compare(s.size() - 3, 3, ".so") == 0);
}

}  // namespace

std::vector<SubmissionEntry> load_plugin(const std::string& path_in) {
  namespace fs = std::filesystem;
  if (!fs::exists(path_in)) throw std::invalid_argument("plugin '" + path_in + "': file not found");
  const std::string path = fs::canonical(path_in).string();
  // RTLD_GLOBAL is not needed: the plugin resolves trainperf's symbols from the executable.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::invalid_argument("plugin '" + path + "': cannot load: " + dlerror());
  using VersionFn = int (*)();
  using RegisterFn = void (*)(PluginRegistrar&);
  auto version = reinterpret_cast<VersionFn>(dlsym(handle, "trainperf_plugin_api_version"));
  auto reg = reinterpret_cast<RegisterFn>(dlsym(handle, "trainperf_plugin_register"));
  if (!version || !reg)
    throw std::invalid_argument("plugin '" + path +
                                "': not a trainperf plugin (no TRAINPERF_PLUGIN(...) block; see docs/plugins.md)");
  if (version() != TRAINPERF_API_VERSION)
    throw std::invalid_argument("plugin '" + path + "' was built against trainperf API version " +
                                std::to_string(version()) + ", but this trainperf has API version " +
                                std::to_string(TRAINPERF_API_VERSION) + "; rebuild the plugin against these headers");
  Collector collector(path);
  reg(collector);
  if (collector.entries.empty()) throw std::invalid_argument("plugin '" + path + "' registers no submission");
  return collector.entries;  // the library stays loaded for the life of the process
}

const SubmissionEntry& resolve_submission(const std::string& name_or_path, const std::string& search_space_path) {
  static std::mutex mu;
  if (is_python_submission(name_or_path)) {
    static std::map<std::pair<std::string, std::string>, SubmissionEntry> python;
    std::lock_guard<std::mutex> lock(mu);
    const auto key = std::make_pair(name_or_path, search_space_path);
    auto it = python.find(key);
    if (it == python.end()) it = python.emplace(key, python_submission_entry(name_or_path, search_space_path)).first;
    return it->second;
  }
  if (!looks_like_path(name_or_path)) return submissions().find(name_or_path);
  static std::map<std::string, std::vector<SubmissionEntry>> loaded;
  std::lock_guard<std::mutex> lock(mu);
  auto it = loaded.find(name_or_path);
  if (it == loaded.end()) it = loaded.emplace(name_or_path, load_plugin(name_or_path)).first;
  return it->second.front();
}

}  // namespace trainperf
