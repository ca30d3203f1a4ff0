// Saving and loading a list of tensors inside an optimizer state archive: "<name>_count" and
// "<name>_<i>" entries (shared by Shampoo, SOAP and the weight averages).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace trainperf {

inline void write_tensor_list(torch::serialize::OutputArchive& archive, const std::string& name,
                              const std::vector<torch::Tensor>& list) {
  archive.write(name + "_count", c10::IValue(static_cast<int64_t>(list.size())));
  for (size_t i = 0; i < list.size(); ++i) archive.write(name + "_" + std::to_string(i), list[i], /*is_buffer=*/true);
}

inline std::vector<torch::Tensor> read_tensor_list(torch::serialize::InputArchive& archive, const std::string& name) {
  c10::IValue v;
  archive.read(name + "_count", v);
  std::vector<torch::Tensor> list(static_cast<size_t>(v.toInt()));
  for (size_t i = 0; i < list.size(); ++i) archive.read(name + "_" + std::to_string(i), list[i], /*is_buffer=*/true);
  return list;
}

}  // namespace trainperf
