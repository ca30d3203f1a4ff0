// The "mri" prepared dataset (slices of ch2.nii.gz), the simulated single-coil k-space, the L1 loss
// and fastMRI's SSIM.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/fft.h>

#include <cmath>
#include <cstring>

#include "data/dataset_cache.h"
#include "data/nifti.h"
#include "workloads/mri_unet/mri_unet.h"

namespace trainperf::workload::mri_unet {

namespace F = torch::nn::functional;

torch::Tensor resize_square(const torch::Tensor& slice, int64_t size) {
  const int64_t h = slice.size(0), w = slice.size(1), s = std::max(h, w);
  const int64_t top = (s - h) / 2, left = (s - w) / 2;
  torch::Tensor square = torch::constant_pad_nd(slice.to(torch::kFloat), {left, s - w - left, top, s - h - top}, 0.0);
  // Area interpolation (torch's mode="area" is adaptive average pooling).
  return torch::adaptive_avg_pool2d(square.view({1, 1, s, s}), {size, size}).view({size, size}).contiguous();
}

MriSlices extract_slices(const NiftiImage& volume, int64_t size, double min_tissue) {
  if (volume.ndim < 3) throw DataError("extract_slices: the image has " + std::to_string(volume.ndim) + " dims, need 3");
  const int64_t nx = volume.dim[0], ny = volume.dim[1], nz = volume.dim[2];
  // [z, y, x], the first volume of a 4-D image.
  torch::Tensor v = torch::from_blob(const_cast<float*>(volume.data.data()), {nz, ny, nx}, torch::kFloat).clone();
  const double vmax = v.max().item<double>();
  if (!(vmax > 0)) throw DataError("extract_slices: the volume is empty (maximum " + std::to_string(vmax) + ")");
  v = (v / vmax).clamp_min(0);
  // Superior up: rows run from high z to low z.
  std::vector<torch::Tensor> axial, coronal, left, right;
  auto keep = [&](const torch::Tensor& s) { return (s > 0).to(torch::kDouble).mean().item<double>() > min_tissue; };
  for (int64_t z = 0; z < nz; ++z) {
    torch::Tensor s = v.select(0, z).flip({0});  // rows y (anterior up), cols x
    if (keep(s)) axial.push_back(resize_square(s, size));
  }
  for (int64_t y = 0; y < ny; ++y) {
    torch::Tensor s = v.select(1, y).flip({0});  // rows z (superior up), cols x
    if (keep(s)) coronal.push_back(resize_square(s, size));
  }
  for (int64_t x = 0; x < nx; ++x) {
    torch::Tensor s = v.select(2, x).flip({0});  // rows z (superior up), cols y
    if (!keep(s)) continue;
    (2 * x <= nx - 1 ? left : right).push_back(resize_square(s, size));
  }
  auto stack = [](const std::vector<torch::Tensor>& parts) {
    return parts.empty() ? torch::Tensor() : torch::stack(parts).contiguous();
  };
  auto set_of = [&](std::vector<std::vector<torch::Tensor>*> volumes) {
    std::vector<torch::Tensor> images, maxima;
    for (auto* vol : volumes) {
      if (vol->empty()) continue;
      torch::Tensor t = stack(*vol);
      images.push_back(t);
      maxima.push_back(torch::full({t.size(0)}, t.max().item<float>(), torch::kFloat));
    }
    SliceSet out;
    if (images.empty()) throw DataError("extract_slices: a split has no slice with enough tissue");
    out.images = torch::cat(images).contiguous();
    out.volume_max = torch::cat(maxima).contiguous();
    return out;
  };
  MriSlices out;
  out.axial = static_cast<int64_t>(axial.size());
  out.coronal = static_cast<int64_t>(coronal.size());
  out.sagittal_left = static_cast<int64_t>(left.size());
  out.sagittal_right = static_cast<int64_t>(right.size());
  out.train = set_of({&axial, &coronal});
  out.validation = set_of({&left});
  out.test = set_of({&right});
  return out;
}

namespace {
constexpr char kMagic[8] = {'T', 'P', 'M', 'R', 'I', 'S', 'L', '1'};

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}
}  // namespace

void write_slices(const std::string& path, const SliceSet& set) {
  torch::Tensor images = set.images.to(torch::kFloat).contiguous();
  torch::Tensor maxima = set.volume_max.to(torch::kFloat).contiguous();
  const int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  std::string bytes(kMagic, 8);
  put_u32(bytes, static_cast<uint32_t>(n));
  put_u32(bytes, static_cast<uint32_t>(h));
  put_u32(bytes, static_cast<uint32_t>(w));
  bytes.append(reinterpret_cast<const char*>(maxima.data_ptr<float>()), static_cast<size_t>(n) * 4);
  bytes.append(reinterpret_cast<const char*>(images.data_ptr<float>()), static_cast<size_t>(n * h * w) * 4);
  write_file(path, bytes);
}

SliceSet read_slices(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 20) throw DataError(path + ": truncated slice file (" + std::to_string(bytes.size()) + " bytes)");
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) throw DataError(path + ": not a slice file (bad magic)");
  const int64_t n = get_u32(bytes, 8), h = get_u32(bytes, 12), w = get_u32(bytes, 16);
  const size_t expected = 20 + static_cast<size_t>(n) * 4 + static_cast<size_t>(n * h * w) * 4;
  if (bytes.size() != expected)
    throw DataError(path + ": " + (bytes.size() < expected ? "truncated" : "trailing bytes in") + " slice file (" +
                    std::to_string(bytes.size()) + " bytes, the header says " + std::to_string(expected) + ")");
  SliceSet s;
  s.volume_max = torch::empty({n}, torch::kFloat);
  s.images = torch::empty({n, h, w}, torch::kFloat);
  std::memcpy(s.volume_max.data_ptr<float>(), bytes.data() + 20, static_cast<size_t>(n) * 4);
  std::memcpy(s.images.data_ptr<float>(), bytes.data() + 20 + n * 4, static_cast<size_t>(n * h * w) * 4);
  return s;
}

nlohmann::json build_mri_dataset(PrepareContext& ctx) {
  const std::string src = ctx.source(kSourceFile, kPackage);
  ctx.log("reading " + src);
  const NiftiImage volume = read_nifti(src);
  const MriSlices s = extract_slices(volume);
  nlohmann::json summary = {{"source_dims", {volume.dim[0], volume.dim[1], volume.dim[2]}},
                            {"image_size", kImageSize},
                            {"min_tissue", kMinTissue},
                            {"axial", s.axial},
                            {"coronal", s.coronal},
                            {"sagittal_left", s.sagittal_left},
                            {"sagittal_right", s.sagittal_right}};
  for (auto [name, set] : {std::pair<const char*, const SliceSet*>{"train", &s.train}, {"validation", &s.validation},
                           {"test", &s.test}}) {
    write_slices(ctx.out_dir + "/" + name + ".slices", *set);
    summary[std::string(name) + "_slices"] = set->size();
    ctx.log(std::string(name) + ": " + std::to_string(set->size()) + " slices");
  }
  return summary;
}

// ---- k-space ----

torch::Tensor random_mask(int64_t n, const MaskOptions& o, at::Generator& gen) {
  const int64_t num_low = static_cast<int64_t>(std::llround(n * o.center_fraction));
  const double prob = (n / o.acceleration - num_low) / static_cast<double>(n - num_low);
  torch::Tensor mask = torch::rand({n}, gen, torch::kDouble) < prob;
  const int64_t pad = (n - num_low + 1) / 2;
  mask.narrow(0, pad, num_low).fill_(true);
  return mask;
}

torch::Tensor smooth_phase(int64_t h, int64_t w, at::Generator& gen) {
  torch::Tensor grid = torch::randn({1, 1, 4, 4}, gen, torch::kFloat) * M_PI;
  return F::interpolate(grid, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{h, w})
                                  .mode(torch::kBilinear)
                                  .align_corners(true))
      .view({h, w});
}

torch::Tensor fft2c(const torch::Tensor& x) {
  return torch::fft::fftshift(torch::fft::fft2(torch::fft::ifftshift(x, {-2, -1}), c10::nullopt, {-2, -1}, "ortho"),
                              {-2, -1});
}

torch::Tensor ifft2c(const torch::Tensor& k) {
  return torch::fft::fftshift(torch::fft::ifft2(torch::fft::ifftshift(k, {-2, -1}), c10::nullopt, {-2, -1}, "ortho"),
                              {-2, -1});
}

Batch make_batch(const torch::Tensor& images, const torch::Tensor& volume_max, const std::vector<uint64_t>& seeds,
                 const MaskOptions& options, bool fully_sampled) {
  const int64_t b = images.size(0), h = images.size(1), w = images.size(2);
  if (static_cast<int64_t>(seeds.size()) != b) throw std::invalid_argument("make_batch: one seed per image");
  std::vector<torch::Tensor> phases, masks;
  for (int64_t i = 0; i < b; ++i) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seeds[i] & 0x7FFFFFFFFFFFFFFFULL);
    phases.push_back(smooth_phase(h, w, gen));
    masks.push_back(fully_sampled ? torch::ones({w}, torch::kBool) : random_mask(w, options, gen));
  }
  torch::Tensor gt = images.to(torch::kFloat);
  torch::Tensor phase = torch::stack(phases);
  torch::Tensor complex_image = torch::complex(gt * torch::cos(phase), gt * torch::sin(phase));
  torch::Tensor kspace = fft2c(complex_image) * torch::stack(masks).view({b, 1, w});
  torch::Tensor zero_filled = ifft2c(kspace).abs();
  torch::Tensor mean = zero_filled.mean({1, 2});
  torch::Tensor std = zero_filled.std({1, 2}, /*unbiased=*/true);
  auto norm = [&](const torch::Tensor& t) {
    return ((t - mean.view({b, 1, 1})) / std.view({b, 1, 1})).clamp(-6, 6).unsqueeze(1).contiguous();
  };
  Batch out;
  out.inputs = norm(zero_filled);
  out.targets = norm(gt);
  out.extras["mean"] = mean;
  out.extras["std"] = std;
  out.extras["volume_max"] = volume_max.to(torch::kFloat);
  return out;
}

LossOutput l1_loss(const torch::Tensor& outputs, const Batch& batch) {
  const int64_t b = outputs.size(0);
  torch::Tensor per_example = (outputs - batch.targets.view_as(outputs)).abs().view({b, -1}).mean(1);
  LossOutput out;
  if (batch.weights.defined()) {
    per_example = per_example * batch.weights.to(per_example.dtype());
    out.count = batch.weights.sum().to(per_example.dtype());
  } else {
    out.count = torch::tensor(static_cast<float>(b), per_example.options());
  }
  out.summed = per_example.sum();
  out.per_example = per_example;
  return out;
}

torch::Tensor ssim(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& data_range) {
  constexpr int64_t win = 7;
  constexpr double k1 = 0.01, k2 = 0.03, np = win * win, cov_norm = np / (np - 1);
  const int64_t b = pred.size(0), h = pred.size(-2), w = pred.size(-1);
  torch::Tensor x = pred.to(torch::kDouble).reshape({b, 1, h, w});
  torch::Tensor y = target.to(torch::kDouble).reshape({b, 1, h, w});
  auto filt = [](const torch::Tensor& t) { return torch::avg_pool2d(t, {win, win}, {1, 1}); };  // valid windows
  torch::Tensor ux = filt(x), uy = filt(y), uxx = filt(x * x), uyy = filt(y * y), uxy = filt(x * y);
  torch::Tensor vx = cov_norm * (uxx - ux * ux), vy = cov_norm * (uyy - uy * uy), vxy = cov_norm * (uxy - ux * uy);
  torch::Tensor range = data_range.to(torch::kDouble).view({b, 1, 1, 1});
  torch::Tensor c1 = (k1 * range).pow(2), c2 = (k2 * range).pow(2);
  torch::Tensor s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  return s.view({b, -1}).mean(1);
}

}  // namespace trainperf::workload::mri_unet
