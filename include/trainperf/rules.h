// The benchmark's rules as values (benchmark-rules.md): the tuning ruleset, the rules version, the
// direction of a target metric, and the budget multipliers. Torch-free: scoring, plans and the
// command line share these without LibTorch's headers.
#pragma once

#include <string>

namespace trainperf {

enum class Ruleset { External, Self };
enum class RulesVersion { V05, V06 };
enum class Goal { Minimize, Maximize };

const char* to_string(Ruleset r);       // "external", "self"
const char* to_string(RulesVersion v);  // "v0.5", "v0.6"
const char* to_string(Goal g);          // "min", "max" (the target-setting summaries' spelling)

// The inverse of to_string; std::invalid_argument naming the accepted spellings.
Ruleset parse_ruleset(const std::string& s);
RulesVersion parse_rules_version(const std::string& s);

// Budget multiplier of a ruleset: self-tuning x1.5 (v0.6) or x3 (v0.5); external x1.
double budget_multiplier(Ruleset ruleset, RulesVersion rules);

}  // namespace trainperf
