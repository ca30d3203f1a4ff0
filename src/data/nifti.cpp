#include "data/nifti.h"

#include <trainperf/workload.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace trainperf {

namespace {

constexpr size_t kHeaderSize = 348;

std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw DataError(path + ": cannot open (missing or unreadable)");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DataError(path + ": corrupt gzip stream (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  // A truncated gzip member reads as a short file without an error from gzread: check the trailer.
  int err = 0;
  gzerror(f, &err);
  const int close_rc = gzclose(f);
  if (err != Z_OK && err != Z_STREAM_END) throw DataError(path + ": corrupt gzip stream");
  if (close_rc == Z_BUF_ERROR) throw DataError(path + ": truncated gzip stream");
  return out;
}

std::string read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

template <typename T>
T get(const std::string& bytes, size_t offset, bool swap) {
  T v;
  char raw[sizeof(T)];
  std::memcpy(raw, bytes.data() + offset, sizeof(T));
  if (swap)
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(raw[i], raw[sizeof(T) - 1 - i]);
  std::memcpy(&v, raw, sizeof(T));
  return v;
}

int bytes_per_voxel(int16_t datatype) {
  switch (datatype) {
    case 2: case 256: return 1;      // uint8, int8
    case 4: case 512: return 2;      // int16, uint16
    case 8: case 16: return 4;       // int32, float32
    case 64: return 8;               // float64
    default: return 0;
  }
}

}  // namespace

NiftiImage parse_nifti(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < kHeaderSize)
    throw DataError(origin + ": truncated NIfTI header (" + std::to_string(bytes.size()) + " of 348 bytes)");
  NiftiImage img;
  const int32_t le = get<int32_t>(bytes, 0, false);
  if (le == 348) {
    img.big_endian = false;
  } else if (get<int32_t>(bytes, 0, true) == 348) {
    img.big_endian = true;
  } else {
    throw DataError(origin + ": bad NIfTI-1 header (sizeof_hdr is " + std::to_string(le) + ", expected 348)");
  }
  const bool swap = img.big_endian;  // the hosts we support are little-endian
  if (std::memcmp(bytes.data() + 344, "n+1\0", 4) != 0)
    throw DataError(origin + ": bad NIfTI-1 header (magic is not \"n+1\": not a single-file NIfTI-1 image)");
  const int16_t ndim = get<int16_t>(bytes, 40, swap);
  if (ndim < 1 || ndim > 7) throw DataError(origin + ": bad NIfTI-1 header (dim[0] = " + std::to_string(ndim) + ")");
  img.ndim = ndim;
  int64_t count = 1;
  for (int i = 0; i < 7; ++i) {
    const int16_t d = get<int16_t>(bytes, 42 + 2 * i, swap);
    img.pixdim[i] = get<float>(bytes, 80 + 4 * i, swap);
    if (i < ndim) {
      if (d < 1) throw DataError(origin + ": bad NIfTI-1 header (dim[" + std::to_string(i + 1) + "] = " + std::to_string(d) + ")");
      img.dim[i] = d;
      count *= d;
    } else {
      img.dim[i] = 1;
    }
  }
  img.datatype = get<int16_t>(bytes, 70, swap);
  const int bpv = bytes_per_voxel(img.datatype);
  if (bpv == 0)
    throw DataError(origin + ": unsupported NIfTI datatype " + std::to_string(img.datatype) +
                    " (supported: uint8, int8, int16, uint16, int32, float32, float64)");
  img.vox_offset = get<float>(bytes, 108, swap);
  img.scl_slope = get<float>(bytes, 112, swap);
  img.scl_inter = get<float>(bytes, 116, swap);
  if (!(img.vox_offset >= 348) || img.vox_offset != std::floor(img.vox_offset))
    throw DataError(origin + ": bad NIfTI-1 header (vox_offset " + std::to_string(img.vox_offset) + ")");
  const size_t offset = static_cast<size_t>(img.vox_offset);
  const size_t needed = offset + static_cast<size_t>(count) * bpv;
  if (bytes.size() < needed)
    throw DataError(origin + ": truncated NIfTI image (" + std::to_string(bytes.size()) + " bytes, the header needs " +
                    std::to_string(needed) + ")");
  const bool scaled = img.scl_slope != 0 && std::isfinite(img.scl_slope);
  const float slope = scaled ? img.scl_slope : 1.0f, inter = scaled ? img.scl_inter : 0.0f;
  img.data.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const size_t at = offset + static_cast<size_t>(i) * bpv;
    double v = 0;
    switch (img.datatype) {
      case 2: v = static_cast<uint8_t>(bytes[at]); break;
      case 256: v = static_cast<int8_t>(bytes[at]); break;
      case 4: v = get<int16_t>(bytes, at, swap); break;
      case 512: v = get<uint16_t>(bytes, at, swap); break;
      case 8: v = get<int32_t>(bytes, at, swap); break;
      case 16: v = get<float>(bytes, at, swap); break;
      case 64: v = get<double>(bytes, at, swap); break;
    }
    img.data[static_cast<size_t>(i)] = static_cast<float>(v * slope + inter);
  }
  return img;
}

NiftiImage read_nifti(const std::string& path) {
  return parse_nifti(ends_with(path, ".gz") ? read_gzip(path) : read_plain(path), path);
}

}  // namespace trainperf
