# LibTorch from a `torch` wheel, found through torch.utils.cmake_prefix_path.
#
# In:  TRAINPERF_PYTHON  the interpreter whose site-packages hold the wheel (default: the venv that
#                        scripts/install-deps.sh makes, $TRAINPERF_VENV or ~/.cache/trainperf/venv)
#      TRAINPERF_CUDA    OFF (default): link the CPU part of LibTorch only (libtorch_cpu, libc10);
#                        no CUDA toolkit needed. ON: find_package(Torch) with the CUDA language
#                        (nvcc) and link the CUDA libraries too.
# Out: the target trainperf::torch, TRAINPERF_TORCH_VERSION, TRAINPERF_TORCH_DIR, TRAINPERF_PYTHON.
#
# Why a header overlay: the wheel's include/ also holds fmt 12 and pybind11 headers. Put on the
# include path as it is, its fmt would shadow Debian's libfmt-dev (9.1) that the project links, and
# every fmt call would then compile against one version and link against another. The overlay has
# every entry of the wheel's include/ but fmt.
if(NOT TRAINPERF_PYTHON)
  if(DEFINED ENV{TRAINPERF_VENV})
    set(_venv "$ENV{TRAINPERF_VENV}")
  else()
    set(_venv "$ENV{HOME}/.cache/trainperf/venv")
  endif()
  if(EXISTS "${_venv}/bin/python")
    set(_py "${_venv}/bin/python")
  else()
    set(_py "/usr/bin/python3")
  endif()
  set(TRAINPERF_PYTHON "${_py}" CACHE FILEPATH "Python interpreter whose torch wheel provides LibTorch")
endif()
option(TRAINPERF_CUDA "Build against the wheel's CUDA LibTorch (needs nvcc)" OFF)

execute_process(
  COMMAND "${TRAINPERF_PYTHON}" -c
    "import torch, torch.utils; print(torch.utils.cmake_prefix_path); print(torch.__version__); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.version.cuda or '')"
  OUTPUT_VARIABLE _torch_info ERROR_VARIABLE _torch_err RESULT_VARIABLE _torch_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _torch_rc EQUAL 0)
  message(FATAL_ERROR "trainperf: '${TRAINPERF_PYTHON}' cannot import torch (${_torch_err}). "
          "Run scripts/install-deps.sh, or pass -DTRAINPERF_PYTHON=/path/to/python of a venv with the torch wheel.")
endif()
string(REPLACE "\n" ";" _torch_info "${_torch_info}")
list(GET _torch_info 0 _prefix)
list(GET _torch_info 1 TRAINPERF_TORCH_VERSION)
list(GET _torch_info 2 _abi)
list(LENGTH _torch_info _n)
set(TRAINPERF_TORCH_CUDA "")
if(_n GREATER 3)
  list(GET _torch_info 3 TRAINPERF_TORCH_CUDA)
endif()
# Debian's -dev libraries (Open Babel passes std::string across its API) use the C++11 ABI; a wheel
# built with the old ABI cannot share std::string with them.
if(NOT _abi STREQUAL "1")
  message(FATAL_ERROR "trainperf: the torch wheel at ${_prefix} uses the pre-C++11 ABI "
          "(_GLIBCXX_USE_CXX11_ABI=0); Debian's libraries use the C++11 ABI. Install a wheel built with it "
          "(every torch >= 2.7 wheel from PyPI is).")
endif()
string(REGEX REPLACE "[+].*" "" _torch_numeric "${TRAINPERF_TORCH_VERSION}")
if(_torch_numeric VERSION_LESS 2.2)
  message(FATAL_ERROR "trainperf: torch ${TRAINPERF_TORCH_VERSION} at ${_prefix} is too old: LibTorch >= 2.2 is needed "
          "(C++20 headers, optimizer state keyed by TensorImpl*); scripts/requirements.txt pins the tested one.")
endif()
get_filename_component(TRAINPERF_TORCH_DIR "${_prefix}/../.." ABSOLUTE)
message(STATUS "trainperf: LibTorch ${TRAINPERF_TORCH_VERSION} from ${TRAINPERF_TORCH_DIR} (python ${TRAINPERF_PYTHON}, CUDA ${TRAINPERF_TORCH_CUDA})")

set(_overlay "${CMAKE_BINARY_DIR}/torch-include")
file(MAKE_DIRECTORY "${_overlay}")
file(GLOB _entries RELATIVE "${TRAINPERF_TORCH_DIR}/include" "${TRAINPERF_TORCH_DIR}/include/*")
foreach(_e IN LISTS _entries)
  if(NOT _e STREQUAL "fmt" AND NOT EXISTS "${_overlay}/${_e}")
    file(CREATE_LINK "${TRAINPERF_TORCH_DIR}/include/${_e}" "${_overlay}/${_e}" SYMBOLIC)
  endif()
endforeach()
set(TRAINPERF_TORCH_INCLUDE_DIRS "${_overlay}" "${_overlay}/torch/csrc/api/include")

add_library(trainperf_torch INTERFACE)
add_library(trainperf::torch ALIAS trainperf_torch)
target_include_directories(trainperf_torch SYSTEM INTERFACE ${TRAINPERF_TORCH_INCLUDE_DIRS})
target_compile_definitions(trainperf_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
target_compile_features(trainperf_torch INTERFACE cxx_std_20)
if(TRAINPERF_CUDA)
  # No GPU at configure time (CI): name the architectures instead of letting Caffe2 probe for GPUs
  # (its probe also asks CMake 3.25 for a CUDA20 dialect it does not know). Ampere and Hopper.
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
    set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
  endif()
  set(CMAKE_CUDA_STANDARD 17)
  enable_language(CUDA)  # nvcc; Caffe2's config finds the toolkit through it
  unset(CMAKE_CUDA_ARCHITECTURES)  # Caffe2 takes TORCH_CUDA_ARCH_LIST and warns about this one
  list(APPEND CMAKE_PREFIX_PATH "${_prefix}")
  find_package(Torch REQUIRED)
  # TorchConfig and Caffe2's targets put the wheel's include/ (with its fmt) on the include path:
  # every imported LibTorch target gets the overlay instead (other directories, CUDA's, stay).
  foreach(_t torch torch_library torch_cpu torch_cpu_library torch_cuda torch_cuda_library c10 c10_cuda)
    if(NOT TARGET ${_t})
      continue()
    endif()
    get_target_property(_dirs ${_t} INTERFACE_INCLUDE_DIRECTORIES)
    if(NOT _dirs)
      continue()
    endif()
    set(_new "")
    foreach(_d IN LISTS _dirs)
      if(_d MATCHES "^${TRAINPERF_TORCH_DIR}/include(/torch/csrc/api/include)?$")
        continue()
      endif()
      list(APPEND _new "${_d}")
    endforeach()
    list(APPEND _new ${TRAINPERF_TORCH_INCLUDE_DIRS})
    list(REMOVE_DUPLICATES _new)
    set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_new}"
                                           INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_new}")
  endforeach()
  # --no-as-needed: nothing in trainperf calls into libtorch_cuda directly, but loading it is what
  # registers the CUDA backend (without it `--device cuda` sees no device).
  target_link_libraries(trainperf_torch INTERFACE -Wl,--no-as-needed ${TORCH_LIBRARIES} -Wl,--as-needed)
  target_compile_definitions(trainperf_torch INTERFACE TRAINPERF_WITH_CUDA=1)
  # At run time the wheel's own CUDA libraries (the versions LibTorch was built with, e.g. CUDA 13.2),
  # not the toolkit's it was compiled against (13.0 here): their directories go first on the RPATH.
  file(GLOB _cuda_lib_dirs LIST_DIRECTORIES true "${TRAINPERF_TORCH_DIR}/../nvidia/*/lib")
  foreach(_d IN LISTS _cuda_lib_dirs)
    target_link_options(trainperf_torch INTERFACE "-Wl,-rpath,${_d}")
  endforeach()
else()
  target_link_libraries(trainperf_torch INTERFACE
    "${TRAINPERF_TORCH_DIR}/lib/libtorch_cpu.so" "${TRAINPERF_TORCH_DIR}/lib/libc10.so")
endif()
