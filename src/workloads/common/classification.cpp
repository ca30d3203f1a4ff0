#include "workloads/common/classification.h"

#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include <ATen/CPUGeneratorImpl.h>

#include "data/fashion_mnist.h"
#include "data/tensor_stream.h"

namespace trainperf {

LossOutput softmax_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                 const torch::Tensor& weights, double label_smoothing) {
  const int64_t classes = logits.size(-1);
  torch::Tensor logp = torch::log_softmax(logits, -1);
  torch::Tensor nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
  torch::Tensor per_example = nll;
  if (label_smoothing > 0) {
    torch::Tensor uniform = -logp.sum(-1) / static_cast<double>(classes);
    per_example = (1.0 - label_smoothing) * nll + label_smoothing * uniform;
  }
  LossOutput out;
  if (weights.defined()) {
    per_example = per_example * weights;
    out.count = weights.sum();
  } else {
    out.count = torch::tensor(static_cast<float>(targets.size(0)), logits.options());
  }
  out.summed = per_example.sum();
  out.per_example = per_example;
  return out;
}

void ClassificationWorkload::set_data(torch::Tensor train_x, torch::Tensor train_y, torch::Tensor val_x,
                                      torch::Tensor val_y, torch::Tensor test_x, torch::Tensor test_y,
                                      torch::Device device) {
  device_ = device;
  train_x_ = train_x;
  train_y_ = train_y;
  // A fixed random subset of the training split, as AlgoPerf's eval_train.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(torch_seed(derive_seed(0, "eval_train_subset")));
  const int64_t n = std::min<int64_t>(spec_.num_eval_train_examples, train_x.size(0));
  torch::Tensor idx = torch::randperm(train_x.size(0), gen, torch::kLong).narrow(0, 0, n);
  eval_x_[static_cast<int>(Split::EvalTrain)] = train_x.index_select(0, idx).to(device);
  eval_y_[static_cast<int>(Split::EvalTrain)] = train_y.index_select(0, idx).to(device);
  eval_x_[static_cast<int>(Split::Validation)] = val_x.to(device);
  eval_y_[static_cast<int>(Split::Validation)] = val_y.to(device);
  eval_x_[static_cast<int>(Split::Test)] = test_x.to(device);
  eval_y_[static_cast<int>(Split::Test)] = test_y.to(device);
  spec_.num_train_examples = train_x.size(0);
  spec_.num_eval_train_examples = n;
  spec_.num_validation_examples = val_x.size(0);
  spec_.num_test_examples = test_x.size(0);
}

torch::Tensor augment_images(const torch::Tensor& images, const ImageAugmentation& aug, at::Generator& gen) {
  const int64_t b = images.size(0), h = images.size(2), w = images.size(3);
  if (aug.pad <= 0 && !aug.horizontal_flip) return images;
  // One gather: output pixel (i, y, x) = padded[i, off_y(i) + y, off_x(i) + x'], where x' = x, or
  // w - 1 - x for flipped images. The random draws (offsets, then flips) are those of a crop
  // followed by a flip.
  torch::Tensor source = images;
  torch::Tensor rows = torch::arange(h, torch::kLong).expand({b, h});
  torch::Tensor cols = torch::arange(w, torch::kLong).expand({b, w});
  if (aug.pad > 0) {
    // Pad with the batch's minimum (the background of standardised images), crop at random offsets.
    const double background = images.min().item<double>();
    source = torch::constant_pad_nd(images, {aug.pad, aug.pad, aug.pad, aug.pad}, background);
    torch::Tensor offsets = torch::randint(0, 2 * aug.pad + 1, {b, 2}, gen, torch::kLong);
    rows = rows + offsets.select(1, 0).unsqueeze(1);
    cols = cols + offsets.select(1, 1).unsqueeze(1);
  }
  if (aug.horizontal_flip) {
    torch::Tensor flip = (torch::rand({b}, gen) < 0.5).unsqueeze(1);
    cols = torch::where(flip, cols.flip({1}), cols);
  }
  // [B, C, H', W'] -> [B, H', W', C], gather [B, h, w, C], back to [B, C, h, w].
  torch::Tensor batch_index = torch::arange(b, torch::kLong).view({b, 1, 1});
  return source.permute({0, 2, 3, 1})
      .index({batch_index, rows.unsqueeze(2), cols.unsqueeze(1)})
      .permute({0, 3, 1, 2})
      .contiguous();
}

namespace {
// Augments each training batch with its own generator (derived from the stream's seed).
class AugmentStream final : public BatchStream {
 public:
  AugmentStream(std::unique_ptr<BatchStream> inner, ImageAugmentation aug, uint64_t seed)
      : inner_(std::move(inner)), aug_(aug), gen_(at::make_generator<at::CPUGeneratorImpl>(torch_seed(seed))) {}
  Batch next() override {
    Batch b = inner_->next();
    b.inputs = augment_images(b.inputs, aug_, gen_);
    return b;
  }

 private:
  std::unique_ptr<BatchStream> inner_;
  ImageAugmentation aug_;
  at::Generator gen_;
};

}  // namespace

std::unique_ptr<BatchStream> ClassificationWorkload::train_stream(int64_t global_batch_size, uint64_t seed,
                                                                  const DistInfo& dist) {
  if (!train_x_.defined()) throw std::logic_error(spec_.name + ": train_stream before load_data");
  std::unique_ptr<BatchStream> stream =
      std::make_unique<TensorBatchStream>(train_x_, train_y_, global_batch_size, seed, dist);
  if (augmentation_.enabled())
    stream = std::make_unique<AugmentStream>(std::move(stream), augmentation_,
                                             derive_seed(seed, "augmentation", static_cast<uint64_t>(dist.rank)));
  if (device_.is_cpu()) return stream;
  return std::make_unique<DeviceBatchStream>(std::move(stream), device_);
}

LossOutput ClassificationWorkload::loss(const torch::Tensor& logits, const Batch& batch,
                                        double label_smoothing) const {
  return softmax_cross_entropy(logits, batch.targets, batch.weights, label_smoothing);
}

Metrics ClassificationWorkload::evaluate(Model& model, Split split, Communicator& comm) {
  const DistInfo dist = comm.info();
  const torch::Tensor& x = eval_x_[static_cast<int>(split)];
  const torch::Tensor& y = eval_y_[static_cast<int>(split)];
  if (!x.defined()) throw std::logic_error(spec_.name + ": evaluate before load_data");
  torch::NoGradGuard no_grad;
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
  torch::Tensor correct = torch::zeros({}, loss_sum.options());
  int64_t count = 0;
  const int64_t n = x.size(0);
  // Each rank evaluates a contiguous shard; the sums are all-reduced.
  const int64_t begin = n * dist.rank / dist.world_size, end = n * (dist.rank + 1) / dist.world_size;
  for (int64_t i = begin; i < end; i += eval_batch_size_) {
    const int64_t len = std::min(eval_batch_size_, end - i);
    Batch b;
    b.inputs = x.narrow(0, i, len);
    b.targets = y.narrow(0, i, len);
    torch::Tensor logits = model_fn(model, b, ForwardMode::Eval);
    LossOutput l = softmax_cross_entropy(logits, b.targets, {}, 0.0);
    loss_sum += l.summed.to(torch::kDouble);
    correct += (logits.argmax(-1) == b.targets).sum().to(torch::kDouble);
    count += len;
  }
  std::vector<torch::Tensor> sums = {loss_sum, correct,
                                     torch::full({}, static_cast<double>(count), loss_sum.options())};
  comm.all_reduce_sum(sums);
  const double total = sums[2].item<double>();
  return {{"accuracy", sums[1].item<double>() / total},
          {"loss", sums[0].item<double>() / total},
          {"num_examples", total}};
}

void FashionMnistWorkload::load_data(const DataOptions& options) {
  FashionMnist d = load_fashion_mnist(options.data_dir);
  set_data(d.train_images, d.train_labels, d.validation_images, d.validation_labels, d.test_images, d.test_labels,
           options.device);
}

ModelPtr FashionMnistWorkload::init_model(uint64_t seed, const ModelOptions& options) {
  torch::manual_seed(torch_seed(seed));
  ModelPtr model = make_model(options);
  model->to(device_);
  return model;
}

}  // namespace trainperf
