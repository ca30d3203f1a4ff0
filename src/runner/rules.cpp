#include <trainperf/rules.h>

#include <stdexcept>

namespace trainperf {

const char* to_string(Ruleset r) { return r == Ruleset::Self ? "self" : "external"; }
const char* to_string(RulesVersion v) { return v == RulesVersion::V05 ? "v0.5" : "v0.6"; }
const char* to_string(Goal g) { return g == Goal::Maximize ? "max" : "min"; }

Ruleset parse_ruleset(const std::string& s) {
  if (s == "external") return Ruleset::External;
  if (s == "self") return Ruleset::Self;
  throw std::invalid_argument("unknown ruleset '" + s + "' (external or self)");
}

RulesVersion parse_rules_version(const std::string& s) {
  if (s == "v0.5") return RulesVersion::V05;
  if (s == "v0.6") return RulesVersion::V06;
  throw std::invalid_argument("unknown rules version '" + s + "' (v0.5 or v0.6)");
}

double budget_multiplier(Ruleset ruleset, RulesVersion rules) {
  if (ruleset == Ruleset::External) return 1.0;
  return rules == RulesVersion::V05 ? 3.0 : 1.5;
}

}  // namespace trainperf
