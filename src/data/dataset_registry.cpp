// Every prepared dataset by name: one line per dataset, each defining
// `void register_dataset_<name>(DatasetRegistry&)` next to its builder.
#include "data/dataset_cache.h"

#define TRAINPERF_DATASETS(X) \
  X(austen) X(bible_en_es) X(speech) X(molecules) X(mri) X(movielens)

namespace trainperf {

#define TRAINPERF_DECLARE(name) void register_dataset_##name(DatasetRegistry&);
TRAINPERF_DATASETS(TRAINPERF_DECLARE)
#undef TRAINPERF_DECLARE

const DatasetRegistry& datasets() {
  static const DatasetRegistry registry = [] {
    DatasetRegistry r;
#define TRAINPERF_REGISTER(name) register_dataset_##name(r);
    TRAINPERF_DATASETS(TRAINPERF_REGISTER)
#undef TRAINPERF_REGISTER
    return r;
  }();
  return registry;
}

}  // namespace trainperf
