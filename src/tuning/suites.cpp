#include "tuning/suites.h"

#include <stdexcept>

#include "workloads/common/targets.h"
#include "workloads/registry.h"

namespace trainperf {

const std::vector<Suite>& suites() {
  static const std::vector<Suite> all = [] {
    std::vector<Suite> s = {
        {"quick", "the demo suite: an MLP, a ResNet and a language model, ~10 minutes for three submissions on 2 cores",
         {"fmnist_mlp", "fmnist_resnet", "austen_lm"}},
        {"mini",
         "every registered workload family with its held-out variants, less those whose target-setting reruns "
         "make them useless for ranking",
         {}},
    };
    for (const auto& w : workloads().entries()) {
      std::string why = ranking_exclusion(w.name);
      if (why.empty())
        s[1].workloads.push_back(w.name);
      else
        s[1].excluded.emplace_back(w.name, std::move(why));
    }
    for (const auto& suite : s)
      for (const auto& w : suite.workloads) workloads().find(w);  // every name must be registered
    return s;
  }();
  return all;
}

const Suite& find_suite(const std::string& name) {
  for (const auto& s : suites())
    if (s.name == name) return s;
  std::string known;
  for (const auto& s : suites()) known += (known.empty() ? "" : ", ") + s.name;
  throw std::invalid_argument("unknown suite '" + name + "'; known suites: " + known);
}

}  // namespace trainperf
