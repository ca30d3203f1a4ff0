#!/usr/bin/env bash
# Copies the AlgoPerf leaderboard entries that trainperf runs unmodified (run = "algoperf-file" in
# validation/entries/entries.json) into $TRAINPERF_ALGOPERF_DIR/entries/<name>/ (default
# ~/.cache/trainperf/algoperf/entries), each entry's whole folder at the commit entries.json pins.
# Nothing of AlgoPerf is committed to trainperf. An entry that imports its helpers by the package path
# its authors ran from ("package_path") gets its folder laid out there too, under its own folder.
# Usage: scripts/agreement/fetch_entries.sh [--mirror GITDIR]
#   GITDIR: a git clone of mlcommons/submissions_algorithms holding the pinned commits
#   (default /work/.mirror/mlcommons+submissions_algorithms/repo if it exists, else a fresh clone).
set -euo pipefail
cd "$(dirname "$0")/../.."
entries=validation/entries/entries.json
dest="${TRAINPERF_ALGOPERF_DIR:-$HOME/.cache/trainperf/algoperf}/entries"
mirror=""
if [ "${1:-}" = --mirror ]; then
  mirror="${2:?--mirror needs a git directory}"
  if ! git --git-dir="$mirror" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "$0: --mirror $mirror is not a git directory (a clone of mlcommons/submissions_algorithms)" >&2
    exit 1
  fi
elif git --git-dir=/work/.mirror/mlcommons+submissions_algorithms/repo rev-parse -q --verify HEAD >/dev/null 2>&1; then
  mirror=/work/.mirror/mlcommons+submissions_algorithms/repo
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$mirror" ]; then
  echo "no mirror of mlcommons/submissions_algorithms (--mirror GITDIR); cloning it from GitHub" >&2
  if ! git clone -q --filter=blob:none --no-checkout https://github.com/mlcommons/submissions_algorithms.git "$work/repo"; then
    echo "$0: cannot clone https://github.com/mlcommons/submissions_algorithms.git and no --mirror given" >&2
    exit 1
  fi
  git -C "$work/repo" fetch -q origin a100_scoring main || true
  mirror="$work/repo/.git"
fi
# name commit path package_path, one line per algoperf-file entry
python3 - "$entries" > "$work/list" <<'PY'
import json, sys
path = sys.argv[1]
try:
  data = json.load(open(path))
except (OSError, ValueError) as e:
  sys.exit(f'{path}: {e}')
for e in data['entries']:
  if e.get('run') == 'algoperf-file':
    print(e['name'], e['code']['commit'], e['code']['path'], e.get('package_path', '-'))
PY
while read -r name commit path package; do
  if ! git --git-dir="$mirror" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "$0: $mirror does not hold commit $commit ($name; an older snapshot?)" >&2
    exit 1
  fi
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  files="$(git --git-dir="$mirror" ls-tree -r --name-only "$commit" -- "$path/")"
  if [ -z "$files" ]; then
    echo "$0: $path is not in $mirror at $commit ($name)" >&2
    exit 1
  fi
  for f in $files; do
    rel="${f#"$path"/}"
    mkdir -p "$(dirname "$dest/$name/$rel")"
    git --git-dir="$mirror" show "$commit:$f" > "$dest/$name/$rel"
    if [ "$package" != - ]; then
      mkdir -p "$(dirname "$dest/$name/$package/$rel")"
      cp "$dest/$name/$rel" "$dest/$name/$package/$rel"
    fi
  done
  echo "$name  <- $path @ ${commit:0:8}  ($dest/$name/submission.py)"
done < "$work/list"
