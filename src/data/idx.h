// IDX files (the MNIST / Fashion-MNIST format), optionally gzip-compressed.
#pragma once

#include <torch/torch.h>

#include <string>

namespace trainperf {

// Reads an unsigned-byte IDX file (magic 0x0000080N, N = number of dims) into a uint8 tensor.
// Throws DataError naming the file on: missing file, bad magic, unsupported type, truncation,
// a corrupt gzip stream, or `expected_dims` not matching (0 = any).
torch::Tensor read_idx(const std::string& path, int expected_dims = 0);

}  // namespace trainperf
