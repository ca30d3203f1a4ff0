// Fashion-MNIST from Debian's dataset-fashion-mnist: train = first 50k of train, validation = last 10k
// of train, test = t10k. Images as float [N,1,28,28], standardised; labels int64.
#pragma once

#include <torch/torch.h>

#include <string>

namespace trainperf {

struct FashionMnist {
  torch::Tensor train_images, train_labels;
  torch::Tensor validation_images, validation_labels;
  torch::Tensor test_images, test_labels;
};

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";

// `dir` empty: the Debian location. A missing directory or file says which package to install.
FashionMnist load_fashion_mnist(const std::string& dir);

}  // namespace trainperf
