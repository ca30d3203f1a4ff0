#!/usr/bin/env bash
# Installs what trainperf needs; quiet and quick when all is present (idempotent).
#   1. Debian packages (apt-get), listed below.
#   2. A Python venv of Debian's /usr/bin/python3 at $TRAINPERF_VENV (default ~/.cache/trainperf/venv)
#      with scripts/requirements.txt: the pinned `torch` wheel, whose LibTorch trainperf builds and
#      links against (docs/platform.md says why a venv), and numpy/scipy/pandas.
# Usage: scripts/install-deps.sh [--with-reference] [--with-debian-torch]
#   --with-reference     also scripts/requirements-reference.txt into the venv: the official optimizer
#                        packages, optax/jax and AlgoPerf's scoring dependencies, for the golden generators
#   --with-debian-torch  also Debian's python3-torch 1.13, the old reference of bench/ (new-vs-old ratios)
# Downloaded wheels are kept in $TRAINPERF_CACHE (default ~/.cache/trainperf/wheels): a second venv, or a
# fresh clone on the same machine, installs the ~3.5 GB of wheels from there without the network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
with_reference=0
with_debian_torch=0
for a in "$@"; do
  case "$a" in
    --with-reference) with_reference=1 ;;
    --with-debian-torch) with_debian_torch=1 ;;
    *) echo "install-deps.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  python3-dev python3-venv   # the interpreter trainperf's venv is made from (and embeds)
  pybind11-dev python3-absl  # Python submissions: the bridge; absl.logging, which AlgoPerf's submissions import
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
)
if ((with_debian_torch)); then PACKAGES+=(python3-torch python3-numpy); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ((${#missing[@]})); then
  echo "trainperf: installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="${TRAINPERF_VENV:-$HOME/.cache/trainperf/venv}"
wheels="${TRAINPERF_CACHE:-$HOME/.cache/trainperf/wheels}"
# A requirements file is installed once per content: its hash is stamped into the venv. Wheels are
# kept in $wheels (pip's own HTTP cache stores nothing behind this network's proxy), so a new venv on
# the same machine installs offline from there; only what is missing is downloaded.
install_requirements() {
  local req="$1" stamp="$venv/.trainperf-$(basename "$1" .txt)"
  local want; want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "trainperf: installing $(basename "$req") into $venv (wheels kept in $wheels)"
  mkdir -p "$wheels"
  if ! "$venv/bin/python" -m pip install -q --no-index --find-links "$wheels" -r "$req" 2>/dev/null; then
    "$venv/bin/python" -m pip download -q -d "$wheels" -r "$req"
    "$venv/bin/python" -m pip install -q --no-index --find-links "$wheels" -r "$req"
  fi
  echo "$want" > "$stamp"
}
if [ ! -x "$venv/bin/python" ]; then
  echo "trainperf: creating the Python venv $venv (from /usr/bin/python3)"
  mkdir -p "$(dirname "$venv")"
  /usr/bin/python3 -m venv "$venv"
fi
install_requirements "$here/requirements.txt"
if ((with_reference)); then install_requirements "$here/requirements-reference.txt"; fi
