// The Jane Austen language-modelling workloads and their prepared dataset.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"

#include <memory>
#include <string>

namespace trainperf::workload::austen_lm {


inline constexpr const char* kAustenDataset = "austen";
inline constexpr int64_t kAustenPadId = 0;  // the tokenizer's pad id

std::unique_ptr<Workload> make_austen_lm(const std::string& name);

// The "austen" dataset builder (austen_dataset.cpp): exports janeaustenr::austen_books() with
// Rscript, splits by novel, trains the tokenizer on the training novels, writes token ids.
nlohmann::json build_austen_dataset(PrepareContext& ctx);
DatasetEntry austen_dataset();  // "austen": the prepared dataset austen_lm reads

}  // namespace trainperf::workload::austen_lm
