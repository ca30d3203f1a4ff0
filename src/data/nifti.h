// NIfTI-1 single-file images (.nii, and gzip-compressed .nii.gz read through zlib).
//
// The 348-byte header is read in either byte order (sizeof_hdr == 348 says which); magic must be
// "n+1" (single file). Supported datatypes: uint8 (2), int16 (4), int32 (8), float32 (16),
// float64 (64), int8 (256), uint16 (512). Voxels are returned as float32 in NIfTI order (x fastest),
// scaled by scl_slope/scl_inter when scl_slope is nonzero (as the standard says).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace trainperf {

struct NiftiImage {
  int ndim = 0;
  std::array<int64_t, 7> dim{};       // dim[1..ndim] of the header (unused entries 1)
  std::array<float, 7> pixdim{};      // voxel sizes
  int16_t datatype = 0;
  float vox_offset = 0;
  float scl_slope = 0, scl_inter = 0;
  bool big_endian = false;
  std::vector<float> data;            // prod(dim[0..ndim)) voxels, x fastest, scaled
  int64_t size(int axis) const { return axis < ndim ? dim[axis] : 1; }
  // Voxel (x, y, z) of a 3-D (or the first volume of a 4-D) image.
  float at(int64_t x, int64_t y, int64_t z) const { return data[(z * dim[1] + y) * dim[0] + x]; }
};

// Reads `path` (gzip when it ends in ".gz"). Throws DataError naming the file and the problem
// (missing, truncated, bad sizeof_hdr / magic / dims, unsupported datatype).
NiftiImage read_nifti(const std::string& path);

// Parses an in-memory file; `origin` names it in errors.
NiftiImage parse_nifti(const std::string& bytes, const std::string& origin);

}  // namespace trainperf
