#include "python/algoperf_analogs.h"

#include <algorithm>
#include <cmath>

namespace trainperf {

const std::vector<AlgoPerfAnalog>& algoperf_analogs() {
  // AlgoPerf's batch sizes: the get_batch_size of its NAdamW baselines (algorithms/baselines/ and
  // submissions_algorithms' nadamw; finewebedu_lm from the v0.6 leaderboard entries).
  static const std::vector<AlgoPerfAnalog> table = {
      {"fmnist_mlp", "mnist", 16, "SOFTMAX_CROSS_ENTROPY"},
      {"fmnist_resnet", "imagenet_resnet", 1024, "SOFTMAX_CROSS_ENTROPY"},
      {"fmnist_vit", "imagenet_vit", 1024, "SOFTMAX_CROSS_ENTROPY"},
      {"austen_lm", "finewebedu_lm", 64, "SOFTMAX_CROSS_ENTROPY"},
      {"bible_translate", "wmt", 128, "SOFTMAX_CROSS_ENTROPY"},
      {"ctr_dlrm", "criteo1tb", 262144, "SIGMOID_CROSS_ENTROPY"},
      {"molecules_gnn", "ogbg", 512, "SIGMOID_CROSS_ENTROPY"},
      {"mri_unet", "fastmri", 32, "MEAN_ABSOLUTE_ERROR"},
      {"speech_conformer", "librispeech_conformer", 256, "CTC_LOSS"},
      {"speech_lstm", "librispeech_deepspeech", 256, "CTC_LOSS"},
  };
  return table;
}

const AlgoPerfAnalog* algoperf_analog(const WorkloadSpec& spec) {
  const std::string& name = spec.base_workload.empty() ? spec.name : spec.base_workload;
  for (const auto& a : algoperf_analogs())
    if (a.workload == name) return &a;
  return nullptr;
}

int64_t scaled_batch_size(const WorkloadSpec& spec, int64_t returned) {
  const AlgoPerfAnalog* a = algoperf_analog(spec);
  if (!a || spec.reference_batch_size <= 0) return returned;
  const double scaled = static_cast<double>(returned) * static_cast<double>(spec.reference_batch_size) /
                        static_cast<double>(a->algoperf_batch_size);
  return std::max<int64_t>(1, std::llround(scaled));
}

}  // namespace trainperf
