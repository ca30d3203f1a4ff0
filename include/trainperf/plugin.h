// Out-of-tree submissions: build one .cpp into a shared library (see examples/plugin_submission and
// docs/plugins.md) and run it with `trainperf run --submission path/to/libmysub.so`.
//
//   #include <trainperf/plugin.h>
//   class MySub : public trainperf::Submission { ... };
//   TRAINPERF_PLUGIN(registrar) {
//     registrar.add({"my_sub", "one line", "paper", [] { return std::make_unique<MySub>(); },
//                    trainperf_plugin_file("search_space.json"), trainperf_plugin_file("self_tuning.json"),
//                    trainperf::HParamSchema().number("learning_rate", "peak learning rate")});
//   }
#pragma once

#include <trainperf/trainperf.h>

#include <functional>
#include <memory>
#include <string>

namespace trainperf {

struct PluginSubmission {
  std::string name;
  std::string description;
  std::string source;
  std::function<std::unique_ptr<Submission>()> make;
  std::string search_space_json;  // AlgoPerf search-space JSON text
  std::string self_tuning_json;   // the fixed configuration under self-tuning ("{}" if none)
  // Every key the submission reads; a point with any other key is refused before a trial starts.
  // trainperf adds the keys the harness reads itself (dropout_rate, aux_dropout_rate).
  HParamSchema hparams;
};

class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;
  virtual void add(PluginSubmission submission) = 0;
};

}  // namespace trainperf

#define TRAINPERF_PLUGIN(registrar)                                                          \
  extern "C" int trainperf_plugin_api_version() { return TRAINPERF_API_VERSION; }          \
  static void trainperf_plugin_register_impl(::trainperf::PluginRegistrar& registrar);      \
  extern "C" void trainperf_plugin_register(::trainperf::PluginRegistrar& r) {              \
    trainperf_plugin_register_impl(r);                                                      \
  }                                                                                         \
  static void trainperf_plugin_register_impl(::trainperf::PluginRegistrar& registrar)
