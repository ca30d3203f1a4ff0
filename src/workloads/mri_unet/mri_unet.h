// mri_unet: the analog of AlgoPerf's fastmri workload (single-coil knee, U-Net, SSIM) on the T1
// head MRI of Debian's mricron-data (ch2.nii.gz). See docs/workloads/mri_unet.md.
//
// Pieces exposed for the tests: the slice extraction and slice-file format (the "mri" prepared
// dataset), the simulated single-coil k-space with fastMRI's RandomMaskFunc, the fastMRI U-Net,
// the L1 loss and fastMRI's SSIM.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trainperf {
struct NiftiImage;
}  // namespace trainperf

namespace trainperf::workload::mri_unet {

inline constexpr const char* kDataset = "mri";
inline constexpr const char* kSourceFile = "/usr/share/mricron/templates/ch2.nii.gz";
inline constexpr const char* kPackage = "mricron-data";
inline constexpr int64_t kImageSize = 64;
inline constexpr double kMinTissue = 0.15;  // fraction of nonzero voxels a slice needs

// A set of 2-D slices: images [N, H, W] float32 in [0, 1] and each slice's data range (the maximum of
// the ground truth over its orientation-volume within the split, as fastMRI's per-volume "max").
struct SliceSet {
  torch::Tensor images;      // [N, H, W] float32
  torch::Tensor volume_max;  // [N] float32
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

struct MriSlices {
  SliceSet train, validation, test;
  int64_t axial = 0, coronal = 0, sagittal_left = 0, sagittal_right = 0;  // slices kept
};

// Pads a 2-D slice [h, w] with zeros to a centred square and area-resizes it to size x size.
torch::Tensor resize_square(const torch::Tensor& slice, int64_t size);

// Slices of a 3-D volume (intensities divided by the volume's maximum) with more than `min_tissue`
// nonzero voxels: train = axial + coronal, validation = sagittal x <= (nx-1)/2 (left of the volume's
// x axis, midline included), test = sagittal x > (nx-1)/2.
MriSlices extract_slices(const NiftiImage& volume, int64_t size = kImageSize, double min_tissue = kMinTissue);

// Slice files ("<split>.slices"): magic "TPMRISL1", uint32 n, h, w (little-endian), n float32
// volume maxima, n*h*w float32 pixels (row-major). Reading checks the exact size (DataError naming
// the file on a bad magic, truncation or trailing bytes).
void write_slices(const std::string& path, const SliceSet& set);
SliceSet read_slices(const std::string& path);

// The "mri" dataset builder: reads ch2.nii.gz, writes train/validation/test.slices.
nlohmann::json build_mri_dataset(PrepareContext& ctx);
DatasetEntry mri_dataset();  // "mri": the prepared dataset mri_unet reads

// ---- simulated single-coil acquisition ----
struct MaskOptions {
  double acceleration = 4;
  double center_fraction = 0.08;
};
// fastMRI RandomMaskFunc over `n` columns: the central round(cf*n) columns, each other column with
// probability (n/acc - n_center)/(n - n_center). Bool [n].
torch::Tensor random_mask(int64_t n, const MaskOptions& options, at::Generator& gen);
// A smooth random phase field [h, w] (radians): a 4x4 standard-normal grid times pi, bilinearly upsampled.
torch::Tensor smooth_phase(int64_t h, int64_t w, at::Generator& gen);
// Centred orthonormal 2-D FFT and inverse over the last two dims (fastMRI's fft2c/ifft2c).
torch::Tensor fft2c(const torch::Tensor& x);
torch::Tensor ifft2c(const torch::Tensor& k);

// One batch from ground-truth images [B, H, W] and data ranges [B]: example i draws its phase and mask
// from a generator seeded with seeds[i]. Inputs = |ifft2c(mask * fft2c(image * e^{i phase}))|
// normalised by its own mean/std and clamped to +-6; targets = the image with the same normalisation.
// Both [B, 1, H, W]; extras "mean", "std", "volume_max" [B]. fully_sampled skips the mask.
Batch make_batch(const torch::Tensor& images, const torch::Tensor& volume_max, const std::vector<uint64_t>& seeds,
                 const MaskOptions& options = {}, bool fully_sampled = false);

// Summed per-example mean absolute error; count = examples (or the weights' sum).
LossOutput l1_loss(const torch::Tensor& outputs, const Batch& batch);

// fastMRI/AlgoPerf SSIM of each example: 7x7 uniform window, k1 0.01, k2 0.03, sample covariance
// (NP/(NP-1)), mean over the valid window positions. pred/target [B, H, W] or [B, 1, H, W], data_range [B].
torch::Tensor ssim(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& data_range);

// ---- model ----
struct UnetConfig {
  int64_t in_chans = 1, out_chans = 1;
  int64_t chans = 8;
  int64_t num_pool_layers = 3;
  bool use_tanh = false;        // AlgoPerf fastmri_tanh
  bool use_layer_norm = false;  // AlgoPerf fastmri_layernorm (GroupNorm(1, C): LayerNorm over C, H, W)
  double dropout_rate = 0.0;
  static UnetConfig full_scale();  // AlgoPerf: chans 32, 4 pool layers, dropout 0 (7,756,097 parameters)
};
int64_t unet_param_count(const UnetConfig& c);  // by formula
ModelPtr make_unet(const UnetConfig& config);   // forward(batch): batch.inputs [B,1,H,W] -> [B,1,H,W]

std::unique_ptr<Workload> make_mri_unet(const std::string& name);

// For tests: hands a workload made by make_mri_unet its splits instead of the prepared dataset
// (what load_data does after reading the slice files).
void set_slices(Workload& workload, SliceSet train, SliceSet validation, SliceSet test,
                torch::Device device = torch::kCPU);

}  // namespace trainperf::workload::mri_unet
