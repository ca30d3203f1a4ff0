#!/usr/bin/env python3
"""Golden values for the speech workloads' WER and greedy CTC decoding.

Independent of the C++ code: word error rate from the textbook Levenshtein recursion (full
numpy table), greedy CTC decoding from its definition (itertools.groupby to collapse repeats,
then drop blanks). Run: /usr/bin/python3 tests/golden/wer/make_wer_golden.py > tests/golden/wer/wer_golden.json
"""
import itertools
import json

import numpy as np

ALPHABET = " '" + "abcdefghijklmnopqrstuvwxyz"  # ids 1..28; 0 is the CTC blank


def edit_distance(hyp_words, ref_words):
    d = np.zeros((len(hyp_words) + 1, len(ref_words) + 1), dtype=np.int64)
    d[:, 0] = np.arange(len(hyp_words) + 1)
    d[0, :] = np.arange(len(ref_words) + 1)
    for i in range(1, len(hyp_words) + 1):
        for j in range(1, len(ref_words) + 1):
            sub = 0 if hyp_words[i - 1] == ref_words[j - 1] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + sub)
    return int(d[-1, -1])


def greedy(frames):
    ids = [k for k, _ in itertools.groupby(frames) if k != 0]
    return "".join(ALPHABET[i - 1] for i in ids)


pairs = [
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("the cat sat on mat", "the cat sat on the mat"),
    ("a cat sat on the the mat", "the cat sat on the mat"),
    ("", "she was not an ill disposed young man"),
    ("he was not ill disposed", ""),
    ("it is a truth universally acknowledged", "a truth universally acknowledged it is"),
    ("emma woodhouse handsome clever", "emma woodhouse handsome clever and rich"),
    ("mister john dashwood had then", "and mister john dashwood had then leisure"),
    ("don't you know", "don t you know"),
    ("x y z", "a b c d e"),
]
rng = np.random.default_rng(7)
vocab = ["the", "a", "of", "she", "he", "was", "not", "miss", "elinor", "marianne", "emma"]
for _ in range(10):
    r = list(rng.choice(vocab, size=rng.integers(1, 9)))
    h = list(rng.choice(vocab, size=rng.integers(0, 9)))
    pairs.append((" ".join(h), " ".join(r)))

cases = []
for hyp, ref in pairs:
    cases.append({"hypothesis": hyp, "reference": ref, "distance": edit_distance(hyp.split(), ref.split())})
errors = sum(c["distance"] for c in cases)
words = sum(len(c["reference"].split()) for c in cases)

decodes = []
for frames in ([0, 22, 22, 0, 3, 3, 3, 22, 1, 1, 0], [5, 5, 0, 5, 0, 0, 16, 2, 22], [0, 0, 0], [3, 0, 3, 3, 0, 1]):
    decodes.append({"frames": frames, "text": greedy(frames)})
for _ in range(5):
    frames = [int(x) for x in rng.integers(0, 29, size=int(rng.integers(1, 30)))]
    decodes.append({"frames": frames, "text": greedy(frames)})

print(json.dumps({"cases": cases, "corpus_wer": errors / words, "decodes": decodes}, indent=1))
