#!/bin/sh
# MACCS fingerprints of a few known molecules from Open Babel's command-line tool (independent of
# trainperf's C++ wrapper), for tests/workloads/molecules_gnn_test.cpp. Output format of
# `obabel -ofpt -xfMACCS -xh`: a line "SMILES<TAB>bits set" then the fingerprint words in hex,
# most significant word first. Run from this folder: sh make_maccs_golden.sh
set -e
out=maccs_obabel.txt
: > "$out"
for smi in 'c1ccccc1' 'c1ccccc1O' 'CC(=O)Oc1ccccc1C(=O)O' 'CCN(CC)CC' 'O=C(O)C(N)Cc1c[nH]c2ccccc12' 'ClC(Cl)(Cl)Br' 'CC1=CC(=O)C=CC1=O'; do
  printf '%s\t' "$smi" >> "$out"
  obabel -:"$smi" -ofpt -xfMACCS -xh 2>/dev/null | tr -d '>' | tr '\n' ' ' | sed 's/  */ /g' >> "$out"
  printf '\n' >> "$out"
done
