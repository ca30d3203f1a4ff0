#!/usr/bin/env bash
# Fetches AlgoPerf's own PyTorch submissions, unmodified, for the tests and benchmarks that run them
# (tests/python/python_submission_test.cpp skips without them). Nothing of AlgoPerf is committed to
# trainperf: the files are copied, at pinned commits, into $TRAINPERF_ALGOPERF_DIR (default
# ~/.cache/trainperf/algoperf), one folder per submission with its tuning_search_space.json.
# Usage: scripts/fetch_algoperf_submissions.sh [--from-mirror DIR]   (DIR holds git clones named
#        mlcommons+algorithmic-efficiency/repo and mlcommons+submissions_algorithms/repo; default: clone)
set -euo pipefail
dest="${TRAINPERF_ALGOPERF_DIR:-$HOME/.cache/trainperf/algoperf}"
# mlcommons/algorithmic-efficiency after PR #906 ("add bsz for fwedu to reference algorithms"): its NAdamW
# baseline's get_batch_size knows finewebedu_lm (2c90454f, the v0.6 release, raised for it).
ALGOPERF_COMMIT=49c538867e89bafe7d1237fe51e7fb25570f4ffc
SUBMISSIONS_COMMIT=12c8e4ea93dc41a1ff6abc3debba9accd8ac1e3a   # mlcommons/submissions_algorithms
mirror=""
if [ "${1:-}" = "--from-mirror" ]; then mirror="$2"; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
repo() {  # repo <owner+name> <commit> -> a git dir holding the commit
  local name="$1" commit="$2"
  if [ -n "$mirror" ]; then
    if ! git --git-dir="$mirror/$name/repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "$0: $mirror/$name/repo does not hold commit $commit (an older snapshot?); run without --from-mirror" >&2
      exit 1
    fi
    echo "$mirror/$name/repo"; return
  fi
  git clone -q --filter=blob:none --no-checkout "https://github.com/${name/+//}.git" "$work/$name" >&2
  echo "$work/$name/.git"
}
put() {  # put <git dir> <commit> <path in repo> <dest file>
  mkdir -p "$(dirname "$dest/$4")"
  git --git-dir="$1" show "$2:$3" > "$dest/$4"
}
a="$(repo mlcommons+algorithmic-efficiency $ALGOPERF_COMMIT)"
s="$(repo mlcommons+submissions_algorithms $SUBMISSIONS_COMMIT)"
# The NAdamW baseline (external tuning) and its search space.
put "$a" $ALGOPERF_COMMIT algorithms/baselines/external_tuning/pytorch_nadamw_full_budget.py nadamw_baseline/submission.py
put "$a" $ALGOPERF_COMMIT algorithms/baselines/external_tuning/tuning_search_space.json nadamw_baseline/tuning_search_space.json
# Leaderboard entries: Schedule-Free AdamW (self-tuning; its get_batch_size knows finewebedu_lm) and
# the v0.5 form of the same entry.
put "$s" $SUBMISSIONS_COMMIT submissions/self_tuning/schedule_free_adamw/submission.py schedule_free_adamw/submission.py
put "$s" $SUBMISSIONS_COMMIT previous_leaderboards/algoperf_v05/submissions/self_tuning/schedule_free_adamw/submission.py \
    schedule_free_adamw_v05/submission.py
echo "AlgoPerf submissions in $dest:"
find "$dest" -name '*.py' | sort
