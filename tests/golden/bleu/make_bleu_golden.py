#!/usr/bin/env python3
"""Reference values for tests/metrics/bleu_test.cpp, written independently of the C++ code from the
definitions: mteval-v13a tokenization with sacreBLEU's regular expressions (sacrebleu/tokenizers/
tokenizer_13a.py, tokenizer_re.py) and corpus BLEU as sacreBLEU's compute_bleu (4-grams, clipped
counts summed over the corpus, brevity penalty exp(1 - r/c) when c < r, "exp" smoothing: the k-th
order without matches gets precision 1 / (2^k * total), score 0 when nothing matches at all).

Run: python3 tests/golden/bleu/make_bleu_golden.py > tests/golden/bleu/bleu_golden.json
"""
import json
import math
import re
from collections import Counter

RULES = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def tokenize_13a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for regex, repl in RULES:
        line = regex.sub(repl, line)
    return " ".join(line.split())


def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_stats(hyps, refs):
    matches, totals, c, r = [0] * 4, [0] * 4, 0, 0
    for hyp, ref in zip(hyps, refs):
        h, rf = tokenize_13a(hyp).split(), tokenize_13a(ref).split()
        c += len(h)
        r += len(rf)
        for n in range(1, 5):
            hc, rc = ngrams(h, n), ngrams(rf, n)
            totals[n - 1] += sum(hc.values())
            matches[n - 1] += sum(min(k, rc[g]) for g, k in hc.items())
    return matches, totals, c, r


def bleu(matches, totals, c, r):
    if not any(matches):
        return 0.0
    logs, smooth = [], 1.0
    for m, t in zip(matches, totals):
        if t == 0:
            return 0.0
        if m == 0:
            smooth *= 2
            logs.append(math.log(1.0 / (smooth * t)))
        else:
            logs.append(math.log(m / t))
    bp = 1.0 if c >= r else (math.exp(1 - r / c) if c > 0 else 0.0)
    return 100.0 * bp * math.exp(sum(logs) / 4)


CORPORA = {
    "translations": (
        [
            "Porque de tal manera amó Dios al mundo, que ha dado á su Hijo unigénito.",
            "En el principio crió Dios los cielos y la tierra.",
            "Y dijo Dios: Sea la luz, y fué la luz.",
            "El primer tratado hice, oh Teófilo, de todas las cosas.",
            "Y eran 3,000 almas (más o menos) en el año 10-20.",
            "¿Quién es éste? ¡Oh Jehová!",
            "Jesús lloró.",
            "y la tierra estaba vacía",
        ],
        [
            "Porque de tal manera amó Dios al mundo, que ha dado á su Hijo unigénito, para que todo aquel que en él cree, no se pierda.",
            "EN el principio crió Dios los cielos y la tierra.",
            "Y dijo Dios: Sea la luz: y fué la luz.",
            "EN el primer tratado, oh Teófilo, he hablado de todas las cosas que Jesús comenzó á hacer.",
            "Y fueron añadidas aquel día como tres mil personas (3,000) en el año 10-20.",
            "¿Quién es este? ¡OH Jehová!",
            "Y lloró Jesús.",
            "Y la tierra estaba desordenada y vacía.",
        ],
    ),
    "no_fourgram_matches": (
        ["the cat sat on a mat", "a dog ran"],
        ["the cat is on the mat", "the dog ran away"],
    ),
    "nothing_matches": (["alpha beta gamma delta"], ["uno dos tres cuatro"]),
    "empty_hypotheses": (["", ""], ["some words here", "more words"]),
    "symbols": (
        ['He said "stop" & left; cost $5.00 / 2 = 2.50, ok? [yes] {no} <maybe> a-b 1-2 x_y #1 @home'],
        ['He said "stop" and left; cost $5.00 / 2 = 2.50 ok? [yes] {no} maybe a-b 1-2 x_y #1 @home'],
    ),
}

TOKENIZE = [
    "Hello, world.",
    "3,000 men; 1.5 cups, 10-20 years",
    "end.Next,start",
    "&quot;quoted&quot; &amp; &lt;tag&gt;",
    "¿Dónde está? ¡Aquí! (sí)",
    "tab\tand  spaces   and\nnewline-\nbreak",
    "<skipped>gone a/b {c} [d] ~e^ `f` |g| *h+ =i= @j #k $l %m",
    "x.,y 2.,3 a.5 5.a",
]


def main():
    out = {"corpora": {}, "tokenize": {s: tokenize_13a(s) for s in TOKENIZE}}
    for name, (hyps, refs) in CORPORA.items():
        m, t, c, r = corpus_stats(hyps, refs)
        out["corpora"][name] = {
            "hypotheses": hyps, "references": refs, "matches": m, "totals": t,
            "hypothesis_length": c, "reference_length": r, "bleu": bleu(m, t, c, r),
        }
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
