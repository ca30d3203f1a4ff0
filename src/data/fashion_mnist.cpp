#include "data/fashion_mnist.h"

#include <trainperf/workload.h>

#include <filesystem>
#include <mutex>
#include <map>

#include "data/idx.h"

namespace trainperf {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kValidationSize = 10000;
constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST training-set pixel statistics

std::string resolve_dir(const std::string& dir) {
  if (dir.empty()) return kFashionMnistDefaultDir;
  if (fs::exists(fs::path(dir) / "fashion-mnist")) return (fs::path(dir) / "fashion-mnist").string();
  // A data root of prepared datasets (docs/data.md) without its own copy: the Debian files.
  if (fs::is_directory(dir) && !fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz") &&
      fs::exists(kFashionMnistDefaultDir))
    return kFashionMnistDefaultDir;
  return dir;
}

torch::Tensor read_checked(const fs::path& path, int dims) {
  if (!fs::exists(path))
    throw DataError(path.string() + ": Fashion-MNIST file not found; install it with `apt-get install " +
                    std::string(kFashionMnistPackage) + "` (or pass --data-dir to a folder holding the *-ubyte.gz files)");
  return read_idx(path.string(), dims);
}

torch::Tensor standardise(const torch::Tensor& images) {
  return ((images.to(torch::kFloat32) / 255.0 - kMean) / kStd).unsqueeze(1).contiguous();
}

}  // namespace

FashionMnist load_fashion_mnist(const std::string& dir_in) {
  // Several workloads (and tests) share one process; read the files once per directory.
  static std::mutex mu;
  static std::map<std::string, FashionMnist> cache;
  const std::string dir = resolve_dir(dir_in);
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(dir); it != cache.end()) return it->second;

  const fs::path d(dir);
  torch::Tensor train_x = read_checked(d / "train-images-idx3-ubyte.gz", 3);
  torch::Tensor train_y = read_checked(d / "train-labels-idx1-ubyte.gz", 1);
  torch::Tensor test_x = read_checked(d / "t10k-images-idx3-ubyte.gz", 3);
  torch::Tensor test_y = read_checked(d / "t10k-labels-idx1-ubyte.gz", 1);
  if (train_x.size(0) != train_y.size(0))
    throw DataError(dir + ": train images (" + std::to_string(train_x.size(0)) + ") and labels (" +
                    std::to_string(train_y.size(0)) + ") differ in count");
  if (test_x.size(0) != test_y.size(0))
    throw DataError(dir + ": t10k images and labels differ in count");
  if (train_x.size(0) <= kValidationSize)
    throw DataError(dir + ": only " + std::to_string(train_x.size(0)) + " training images; need more than " +
                    std::to_string(kValidationSize));
  if (train_y.max().item<int>() > 9 || test_y.max().item<int>() > 9)
    throw DataError(dir + ": labels outside 0..9");

  const int64_t n_train = train_x.size(0) - kValidationSize;
  FashionMnist data;
  torch::Tensor x = standardise(train_x);
  torch::Tensor y = train_y.to(torch::kLong);
  data.train_images = x.narrow(0, 0, n_train);
  data.train_labels = y.narrow(0, 0, n_train);
  data.validation_images = x.narrow(0, n_train, kValidationSize);
  data.validation_labels = y.narrow(0, n_train, kValidationSize);
  data.test_images = standardise(test_x);
  data.test_labels = test_y.to(torch::kLong);
  cache[dir] = data;
  return data;
}

}  // namespace trainperf
