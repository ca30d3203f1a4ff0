#!/usr/bin/env bash
# Installs the Debian packages trainperf needs; quiet and quick when all are present.
# Usage: scripts/install-deps.sh [--with-reference]   (--with-reference adds python3-torch for
# golden-value generation and the Python side of the benchmarks)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  libtorch-dev libopenblas0-openmp
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev zlib1g-dev libssl-dev
  libgtest-dev googletest
  libsentencepiece-dev
  dataset-fashion-mnist sword-text-kjv sword-text-sparv
  r-base-core r-cran-janeaustenr  # austen_lm: Jane Austen's novels, exported with Rscript
  espeak-ng libespeak-ng-dev pocketsphinx-testdata  # speech_*: synthesized speech; real LibriVox clips
  rdkit-data openbabel libopenbabel-dev  # molecules_gnn: SMILES, MACCS fingerprints (Open Babel)
  mricron-data  # mri_unet: a real T1 head MRI (NIfTI)
  r-cran-dslabs  # ctr_dlrm: MovieLens ratings, exported with Rscript
  gnuplot-nox
  chromium
  python3-torch python3-numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "trainperf: installing missing packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# LibTorch links libblas.so.3; without OpenBLAS selected it falls back to the reference BLAS (~10x slower).
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *)
    echo "trainperf: WARNING: libblas.so.3 resolves to '$blas', not OpenBLAS;" \
         "run: update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3" >&2
    ;;
esac
