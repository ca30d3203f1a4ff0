#!/usr/bin/env bash
# Target setting II (issue 17; docs/workloads/targets.md): every base workload tuned with nadamw and
# nesterov over the documented target-setting spaces (16 quasi-random points each, step_hint steps,
# one thread), the best configuration rerun 5 times; each held-out variant reruns its base's best 5
# times. Two single-thread lanes, resumable: the experiment folders live under $TARGETS_DIR
# (default ~/.cache/trainperf/target-setting), a rerun skips every finished trial, and each summary is
# written into its workload folder as soon as that workload is done (commit them as they land).
#   scripts/target_setting/run_lanes.sh            # both lanes in the background, logs in $TARGETS_DIR
#   scripts/target_setting/run_lanes.sh lane a     # one lane in the foreground
#   scripts/target_setting/run_lanes.sh only ctr_dlrm fmnist_mlp   # these workloads (and variants), in order
#   scripts/target_setting/run_lanes.sh variants fmnist_resnet     # only the variants, from the committed base
# LOCK=FILE makes every trainperf run hold flock(FILE) (a machine shared with builds).
# TRAINPERF=PATH runs that binary instead of build/trainperf (a copy, so rebuilds cannot change it).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${TARGETS_DIR:-$HOME/.cache/trainperf/target-setting}
TRIALS=${TRIALS:-16}
RERUNS=${RERUNS:-5}
mkdir -p "$DIR"

# workload folder metric goal steps variants...
declare -A SPEC=(
  [fmnist_mlp]="fmnist_mlp accuracy max 3000 fmnist_mlp_tanh"
  [fmnist_resnet]="fmnist_resnet accuracy max 1500 fmnist_resnet_large_bn_init"
  [fmnist_vit]="fmnist_vit accuracy max 1500 fmnist_vit_glu"
  [austen_lm]="austen_lm loss min 1500 austen_lm_post_ln"
  [bible_translate]="bible_translate bleu max 1200 bible_translate_glu_tanh bible_translate_post_ln"
  [speech_conformer]="speech wer min 1500 speech_conformer_gelu"
  [speech_lstm]="speech wer min 1500 speech_lstm_tanh"
  [molecules_gnn]="molecules_gnn mean_average_precision max 1000 molecules_gnn_gelu molecules_gnn_model_size"
  [mri_unet]="mri_unet ssim max 1000 mri_unet_tanh mri_unet_layernorm"
  [ctr_dlrm]="ctr_dlrm loss min 2000 ctr_dlrm_layernorm ctr_dlrm_embed_init"
)
# Balanced by the measured cost of a step_hint run at one thread (docs/workloads/targets.md). The
# workloads whose summaries are committed are left out (docs/workloads/targets.md, "Status"); to
# redo one, name it: `run_lanes.sh only ctr_dlrm`.
LANE_A="speech_lstm mri_unet"
LANE_B="fmnist_vit bible_translate speech_conformer"
# fmnist_resnet's base is committed; its variant is not: `run_lanes.sh variants fmnist_resnet`.

one() {  # base workload [variants-only]
  local w=$1; read -r folder metric goal steps variants <<< "${SPEC[$w]}"
  local out=src/workloads/$folder/targets/$w.json
  if [ "${2:-}" != variants-only ]; then
    scripts/set_targets.py --workload "$w" --submissions nadamw,nesterov \
      --spaces nadamw=scripts/target_setting/nadamw.json,nesterov=scripts/target_setting/nesterov.json \
      --steps "$steps" --trials "$TRIALS" --reruns "$RERUNS" --threads 1 --metric "$metric" --goal "$goal" \
      --experiment-dir "$DIR/$w" --out "$out" ${LOCK:+--lock "$LOCK"} ${TRAINPERF:+--trainperf "$TRAINPERF"} > /dev/null
    echo "$(date +%FT%T) $w done -> $out"
  fi
  for v in $variants; do
    scripts/set_targets.py --workload "$v" --best-from "$out" --steps "$steps" --reruns "$RERUNS" --threads 1 \
      --metric "$metric" --goal "$goal" --experiment-dir "$DIR/$v" --out "src/workloads/$folder/targets/$v.json" \
      ${LOCK:+--lock "$LOCK"} ${TRAINPERF:+--trainperf "$TRAINPERF"} > /dev/null
    echo "$(date +%FT%T) $v done"
  done
}

if [ "${1:-}" = only ]; then
  shift
  for w in "$@"; do one "$w"; done
  exit 0
fi
if [ "${1:-}" = variants ]; then
  shift
  for w in "$@"; do one "$w" variants-only; done
  exit 0
fi
if [ "${1:-}" = lane ]; then
  lane=LANE_${2^^}
  for w in ${!lane}; do one "$w"; done
  exit 0
fi
"$0" lane a > "$DIR/lane_a.log" 2>&1 &
"$0" lane b > "$DIR/lane_b.log" 2>&1 &
echo "two lanes started; logs: $DIR/lane_a.log, $DIR/lane_b.log (rerun this command to resume)"
wait
