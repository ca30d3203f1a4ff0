// mri_unet: fastMRI's U-Net reconstructing 4x-undersampled simulated single-coil k-space of head MRI
// slices, scored by SSIM (AlgoPerf's fastmri analog). Data: the "mri" prepared dataset (mri_data.cpp).
// Sizes, targets and budget: docs/workloads/mri_unet.md.
#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include <ATen/CPUGeneratorImpl.h>

#include "data/dataset_cache.h"
#include "data/tensor_stream.h"
#include "workloads/mri_unet/mri_unet.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::mri_unet {

namespace {

namespace tnn = torch::nn;

class UnetImpl final : public Model {
 public:
  explicit UnetImpl(const UnetConfig& c) : config_(c) {
    down_ = register_module("down", tnn::ModuleList());
    up_transpose_ = register_module("up_transpose", tnn::ModuleList());
    up_ = register_module("up", tnn::ModuleList());
    auto add = [](tnn::ModuleList& list, std::vector<tnn::Sequential>& seqs, tnn::Sequential s) {
      list->push_back(s);
      seqs.push_back(s);
    };
    add(down_, downs_, conv_block(c.in_chans, c.chans));
    int64_t ch = c.chans;
    for (int64_t i = 1; i < c.num_pool_layers; ++i, ch *= 2) add(down_, downs_, conv_block(ch, ch * 2));
    bottleneck_ = register_module("bottleneck", conv_block(ch, ch * 2));
    for (int64_t i = 0; i < c.num_pool_layers; ++i, ch /= 2) {
      add(up_transpose_, up_transposes_, transpose_block(ch * 2, ch));
      tnn::Sequential block = conv_block(ch * 2, ch);
      if (i == c.num_pool_layers - 1) block->push_back(tnn::Conv2d(tnn::Conv2dOptions(ch, c.out_chans, 1)));
      add(up_, ups_, block);
    }
  }

  torch::Tensor forward(const Batch& batch) override {
    torch::Tensor x = batch.inputs;
    std::vector<torch::Tensor> stack;
    for (auto& d : downs_) {
      x = d->forward(x);
      stack.push_back(x);
      x = torch::avg_pool2d(x, {2, 2}, {2, 2});
    }
    x = bottleneck_->forward(x);
    for (size_t i = 0; i < ups_.size(); ++i) {
      x = up_transposes_[i]->forward(x);
      torch::Tensor skip = stack.back();
      stack.pop_back();
      // Odd sizes: reflect-pad the upsampled map to the skip connection's size (as fastMRI).
      const int64_t pad_w = skip.size(3) - x.size(3), pad_h = skip.size(2) - x.size(2);
      if (pad_w != 0 || pad_h != 0)
        x = torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({0, pad_w, 0, pad_h}).mode(torch::kReflect));
      x = ups_[i]->forward(torch::cat({x, skip}, 1));
    }
    return x;
  }

 private:
  void add_norm_act(tnn::Sequential& s, int64_t ch) const {
    if (config_.use_layer_norm)
      s->push_back(tnn::GroupNorm(tnn::GroupNormOptions(1, ch)));
    else
      s->push_back(tnn::InstanceNorm2d(tnn::InstanceNorm2dOptions(ch)));
    if (config_.use_tanh)
      s->push_back(tnn::Tanh());
    else
      s->push_back(tnn::LeakyReLU(tnn::LeakyReLUOptions().negative_slope(0.2)));
  }
  tnn::Sequential conv_block(int64_t in, int64_t out) const {
    tnn::Sequential s;
    for (int64_t cin : {in, out}) {
      s->push_back(tnn::Conv2d(tnn::Conv2dOptions(cin, out, 3).padding(1).bias(false)));
      add_norm_act(s, out);
      if (config_.dropout_rate > 0) s->push_back(tnn::Dropout2d(tnn::Dropout2dOptions(config_.dropout_rate)));
    }
    return s;
  }
  tnn::Sequential transpose_block(int64_t in, int64_t out) const {
    tnn::Sequential s;
    s->push_back(tnn::ConvTranspose2d(tnn::ConvTranspose2dOptions(in, out, 2).stride(2).bias(false)));
    add_norm_act(s, out);
    return s;
  }

  UnetConfig config_;
  tnn::ModuleList down_{nullptr}, up_transpose_{nullptr}, up_{nullptr};
  std::vector<tnn::Sequential> downs_, up_transposes_, ups_;
  tnn::Sequential bottleneck_{nullptr};
};

// The training stream: a reshuffled-every-epoch order of the training slices (TensorBatchStream,
// sharded by rank), then for each example a fresh phase and mask from a generator seeded by the
// stream's seed and the example's position in the global sequence (so the shards of every rank
// together are exactly the single-process batch).
class MriTrainStream final : public BatchStream {
 public:
  MriTrainStream(const SliceSet& train, int64_t global_batch, uint64_t seed, const DistInfo& dist,
                 torch::Device device)
      : inner_(train.images, train.volume_max, global_batch, seed, dist),
        seed_(derive_seed(seed, "mri_kspace")),
        global_batch_(global_batch),
        offset_(dist.rank * (global_batch / dist.world_size)),
        device_(device) {}

  Batch next() override {
    Batch raw = inner_.next();
    std::vector<uint64_t> seeds;
    for (int64_t i = 0; i < raw.size(); ++i)
      seeds.push_back(derive_seed(seed_, "example", static_cast<uint64_t>(step_ * global_batch_ + offset_ + i)));
    ++step_;
    Batch b = make_batch(raw.inputs, raw.targets, seeds);
    return device_.is_cpu() ? b : b.to(device_, /*non_blocking=*/true);
  }

 private:
  TensorBatchStream inner_;
  uint64_t seed_;
  int64_t global_batch_, offset_, step_ = 0;
  torch::Device device_;
};

class MriUnet final : public Workload {
 public:
  MriUnet(WorkloadSpec spec, UnetConfig config) : spec_(std::move(spec)), config_(config) {}

  const WorkloadSpec& spec() const override { return spec_; }

  void load_data(const DataOptions& options) override {
    const std::string dir = require_dataset(mri_dataset(), options, spec_.name);
    set_data(read_slices(dir + "/train.slices"), read_slices(dir + "/validation.slices"),
             read_slices(dir + "/test.slices"), options.device, dir);
  }

  void set_data(SliceSet train, SliceSet validation, SliceSet test, torch::Device device, const std::string& origin) {
    for (const SliceSet* s : {&train, &validation, &test})
      if (s->size() == 0 || s->images.size(1) != train.images.size(1) || s->images.size(2) != train.images.size(2))
        throw DataError(origin + ": the splits' slice files disagree on the image size or are empty (rebuild with "
                                 "`trainperf data prepare --workload " + spec_.name + " --force`)");
    device_ = device;
    train_ = train;
    // eval_train: a fixed subset of the training slices (48: evaluation is a forward pass over every
    // slice of three splits, and costs as much as ~15 training steps).
    auto gen = at::make_generator<at::CPUGeneratorImpl>(torch_seed(derive_seed(0, "eval_train_subset")));
    const int64_t n = std::min(kEvalTrain, train.size());
    torch::Tensor idx = torch::randperm(train.size(), gen, torch::kLong).narrow(0, 0, n);
    SliceSet eval_train{train.images.index_select(0, idx), train.volume_max.index_select(0, idx)};
    // Fixed masks and phases seeded per slice (fastMRI's evaluation masks).
    const std::pair<Split, const SliceSet*> splits[] = {
        {Split::EvalTrain, &eval_train}, {Split::Validation, &validation}, {Split::Test, &test}};
    for (auto [split, set] : splits) {
      std::vector<uint64_t> seeds;
      for (int64_t i = 0; i < set->size(); ++i)
        seeds.push_back(derive_seed(0, std::string("mri_eval_") + split_prefix(split), static_cast<uint64_t>(i)));
      eval_[static_cast<int>(split)] = make_batch(set->images, set->volume_max, seeds).to(device);
    }
    spec_.num_train_examples = train.size();
    spec_.num_eval_train_examples = n;
    spec_.num_validation_examples = validation.size();
    spec_.num_test_examples = test.size();
  }

  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed, const DistInfo& dist) override {
    if (!train_.images.defined()) throw std::logic_error(spec_.name + ": train_stream before load_data");
    return std::make_unique<MriTrainStream>(train_, global_batch_size, seed, dist, device_);
  }

  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override {
    torch::manual_seed(torch_seed(seed));
    UnetConfig c = config_;
    c.dropout_rate = options.dropout_rate;
    ModelPtr model = make_unet(c);
    model->to(device_);
    return model;
  }

  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double) const override {
    return l1_loss(logits, batch);
  }

  Metrics evaluate(Model& model, Split split, Communicator& comm) override {
    const DistInfo dist = comm.info();
    const Batch& all = eval_[static_cast<int>(split)];
    if (!all.inputs.defined()) throw std::logic_error(spec_.name + ": evaluate before load_data");
    torch::NoGradGuard no_grad;
    const auto opts = torch::TensorOptions().dtype(torch::kDouble).device(device_);
    torch::Tensor loss_sum = torch::zeros({}, opts), ssim_sum = torch::zeros({}, opts);
    int64_t count = 0;
    const int64_t n = all.size();
    const int64_t begin = n * dist.rank / dist.world_size, end = n * (dist.rank + 1) / dist.world_size;
    for (int64_t i = begin; i < end; i += kEvalBatch) {
      const int64_t len = std::min(kEvalBatch, end - i);
      Batch b;
      b.inputs = all.inputs.narrow(0, i, len);
      b.targets = all.targets.narrow(0, i, len);
      for (const auto& [k, v] : all.extras) b.extras[k] = v.narrow(0, i, len);
      torch::Tensor out = model_fn(model, b, ForwardMode::Eval);
      loss_sum += l1_loss(out, b).summed.to(torch::kDouble);
      // On the original scale, as AlgoPerf: x * std + mean, data range = the volume's maximum.
      const torch::Tensor mean = b.extras.at("mean").view({len, 1, 1, 1}), std = b.extras.at("std").view({len, 1, 1, 1});
      ssim_sum += ssim(out * std + mean, b.targets * std + mean, b.extras.at("volume_max")).sum();
      count += len;
    }
    std::vector<torch::Tensor> sums = {loss_sum, ssim_sum, torch::full({}, static_cast<double>(count), opts)};
    comm.all_reduce_sum(sums);
    const double total = sums[2].item<double>();
    return {{"ssim", sums[1].item<double>() / total}, {"loss", sums[0].item<double>() / total}, {"num_examples", total}};
  }

 private:
  static constexpr int64_t kEvalBatch = 64;
  static constexpr int64_t kEvalTrain = 48;
  WorkloadSpec spec_;
  UnetConfig config_;
  torch::Device device_ = torch::kCPU;
  SliceSet train_;
  std::array<Batch, 3> eval_;  // indexed by Split
};

UnetConfig cpu_config() {
  UnetConfig c;
  c.chans = 8;
  c.num_pool_layers = 3;
  return c;
}

WorkloadSpec base_spec() {
  WorkloadSpec s;
  s.name = "mri_unet";
  s.description = "fastMRI U-Net (8 chans, 3 pools, 64x64) on 4x-undersampled simulated k-space of ch2 head MRI; "
                  "AlgoPerf fastmri analog";
  s.target_metric = "ssim";
  s.goal = Goal::Maximize;
  // ~10 evaluations per budget: one (48 + 85 + 85 slices) measured 1.3-4 s.
  s.eval_period_reference_steps = 145;
  s.reference_batch_size = 16;
  s.num_train_examples = 363;  // ch2.nii.gz: 164 axial + 199 coronal slices; sagittal 85 left / 85 right
  s.num_eval_train_examples = 48;
  s.num_validation_examples = 85;
  s.num_test_examples = 85;
  return with_targets(s);  // targets, budget, step hint: targets/mri_unet.json
}

WorkloadSpec tanh_spec() {
  return held_out_variant(base_spec(), "tanh", "mri_unet with tanh activations (held-out variant, AlgoPerf fastmri_tanh)");
}

WorkloadSpec layernorm_spec() {
  return held_out_variant(base_spec(), "layernorm",
                          "mri_unet with layer norm instead of instance norm (held-out variant, AlgoPerf fastmri_layernorm)");
}

}  // namespace

UnetConfig UnetConfig::full_scale() {
  UnetConfig c;
  c.chans = 32;
  c.num_pool_layers = 4;
  c.dropout_rate = 0.0;
  return c;
}

int64_t unet_param_count(const UnetConfig& c) {
  const int64_t norm = c.use_layer_norm ? 2 : 0;  // GroupNorm scale + bias per channel; InstanceNorm has none
  auto block = [&](int64_t in, int64_t out) { return 9 * in * out + 9 * out * out + 2 * norm * out; };
  int64_t total = block(c.in_chans, c.chans), ch = c.chans;
  for (int64_t i = 1; i < c.num_pool_layers; ++i, ch *= 2) total += block(ch, 2 * ch);
  total += block(ch, 2 * ch);
  for (int64_t i = 0; i < c.num_pool_layers; ++i, ch /= 2) total += 4 * 2 * ch * ch + norm * ch + block(2 * ch, ch);
  return total + c.chans * c.out_chans + c.out_chans;
}

ModelPtr make_unet(const UnetConfig& config) { return std::make_shared<UnetImpl>(config); }

std::unique_ptr<Workload> make_mri_unet(const std::string& name) {
  UnetConfig c = cpu_config();
  if (name == "mri_unet") return std::make_unique<MriUnet>(base_spec(), c);
  if (name == "mri_unet_tanh") {
    c.use_tanh = true;
    return std::make_unique<MriUnet>(tanh_spec(), c);
  }
  if (name == "mri_unet_layernorm") {
    c.use_layer_norm = true;
    return std::make_unique<MriUnet>(layernorm_spec(), c);
  }
  throw std::invalid_argument("make_mri_unet: unknown workload '" + name + "'");
}

void set_slices(Workload& workload, SliceSet train, SliceSet validation, SliceSet test, torch::Device device) {
  auto* w = dynamic_cast<MriUnet*>(&workload);
  if (w == nullptr) throw std::invalid_argument("set_slices: not an mri_unet workload");
  w->set_data(std::move(train), std::move(validation), std::move(test), device, "set_slices");
}

void register_workloads(WorkloadRegistry& registry) {
  for (const char* name : {"mri_unet", "mri_unet_tanh", "mri_unet_layernorm"}) {
    auto w = make_mri_unet(name);
    registry.add({w->spec().name, w->spec().description, [n = std::string(name)] { return make_mri_unet(n); },
                  {mri_dataset()}});
  }
}

DatasetEntry mri_dataset() {
  DatasetEntry e;
  e.name = kDataset;
  e.description = "64x64 slices of the ch2 T1 head MRI (mricron-data): train axial+coronal, validation/test "
                  "left/right sagittal";
  e.format_version = 1;
  e.packages = {kPackage};
  e.build = build_mri_dataset;
  return e;
}

}  // namespace trainperf::workload::mri_unet
