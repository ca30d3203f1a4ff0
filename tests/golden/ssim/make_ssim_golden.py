#!/usr/bin/python3
"""Golden values for mri_unet's SSIM (tests/workloads/mri_unet_test.cpp), written from the definition of
fastMRI's evaluation / AlgoPerf's fastmri SSIM (skimage.metrics.structural_similarity with a 7x7 uniform
window, K1 0.01, K2 0.03, sample covariance NP/(NP-1), mean over the window positions that lie wholly inside
the image), independently of the C++ code: window means by 2-D cumulative sums (integral images) in float64.

Run: /usr/bin/python3 tests/golden/ssim/make_ssim_golden.py > tests/golden/ssim/ssim.json
"""
import json

import numpy as np

WIN, K1, K2 = 7, 0.01, 0.03


def window_means(a):
    """Mean of every WIN x WIN window wholly inside `a` (integral-image box filter)."""
    s = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
    s[1:, 1:] = np.cumsum(np.cumsum(a, axis=0), axis=1)
    w = WIN
    box = s[w:, w:] - s[:-w, w:] - s[w:, :-w] + s[:-w, :-w]
    return box / (w * w)


def ssim(x, y, data_range):
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    npix = WIN * WIN
    cov_norm = npix / (npix - 1.0)
    ux, uy = window_means(x), window_means(y)
    vx = cov_norm * (window_means(x * x) - ux * ux)
    vy = cov_norm * (window_means(y * y) - uy * uy)
    vxy = cov_norm * (window_means(x * y) - ux * uy)
    c1 = (K1 * data_range) ** 2
    c2 = (K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    return float(s.mean())


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    for h, w, noise in [(16, 16, 0.1), (20, 13, 0.5), (32, 32, 0.05), (9, 30, 1.0), (7, 7, 0.3)]:
        target = rng.random((h, w)) * 2.0
        # A smooth bump so the windows see structure, plus noise for the prediction.
        yy, xx = np.mgrid[0:h, 0:w]
        target += np.exp(-(((yy - h / 2) / (h / 3)) ** 2 + ((xx - w / 2) / (w / 3)) ** 2))
        pred = target + noise * rng.standard_normal((h, w))
        data_range = float(target.max())
        cases.append({
            "h": h, "w": w, "data_range": data_range,
            "pred": pred.ravel().tolist(), "target": target.ravel().tolist(),
            "ssim": ssim(pred, target, data_range),
        })
    print(json.dumps({"definition": "fastMRI SSIM: 7x7 uniform window, k1 0.01, k2 0.03, sample covariance, "
                                    "mean over valid windows", "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
