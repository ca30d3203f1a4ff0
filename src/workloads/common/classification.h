// Shared pieces of the image-classification workloads: in-memory splits, softmax cross-entropy with
// label smoothing, accuracy/loss evaluation over fixed splits.
#pragma once

#include <trainperf/workload.h>

namespace trainperf {

// Summed softmax cross-entropy against (1 - ls) one-hot + ls / K, weights respected.
LossOutput softmax_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                 const torch::Tensor& weights, double label_smoothing);

// Light training-time augmentation for small images (the analog of ImageNet's random crop + flip):
// pad by `pad` pixels with the background value and crop back at a random offset; mirror with
// probability 1/2. Deterministic in the stream's seed.
struct ImageAugmentation {
  int64_t pad = 0;
  bool horizontal_flip = false;
  bool enabled() const { return pad > 0 || horizontal_flip; }
};

// Applies `aug` to a batch of images [B, C, H, W] with the generator `gen`.
torch::Tensor augment_images(const torch::Tensor& images, const ImageAugmentation& aug, at::Generator& gen);

class ClassificationWorkload : public Workload {
 public:
  const WorkloadSpec& spec() const override { return spec_; }
  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed,
                                            const DistInfo& dist) override;
  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double label_smoothing) const override;
  Metrics evaluate(Model& model, Split split, Communicator& comm) override;

 protected:
  // Subclasses call this from load_data with their splits; picks a fixed eval-train subset.
  void set_data(torch::Tensor train_x, torch::Tensor train_y, torch::Tensor val_x, torch::Tensor val_y,
                torch::Tensor test_x, torch::Tensor test_y, torch::Device device);

  WorkloadSpec spec_;
  ImageAugmentation augmentation_;
  int64_t eval_batch_size_ = 2000;
  torch::Device device_ = torch::kCPU;

 private:
  torch::Tensor train_x_, train_y_;
  std::array<torch::Tensor, 3> eval_x_, eval_y_;  // indexed by Split
};

// A classification workload on the Fashion-MNIST splits (src/data/fashion_mnist.h): loads them and
// seeds model initialisation; subclasses only build the model.
class FashionMnistWorkload : public ClassificationWorkload {
 public:
  void load_data(const DataOptions& options) override;
  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override;

 protected:
  virtual ModelPtr make_model(const ModelOptions& options) = 0;  // called after seeding
};

}  // namespace trainperf
