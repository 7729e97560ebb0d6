"""Reference values for src/data/profile (numeric column profiles), computed with numpy.

Run with /usr/bin/python3 (numpy 1.24):  /usr/bin/python3 make_fixtures.py
Writes numeric_profiles.json: for each case the input values (null = missing) and what numpy
says about the non-null ones: min, max, mean, std (ddof=0, np.std's default), np.quantile with
the default linear method at the profile's levels, np.histogram(bins=20) and the distinct count.
"""
import json
import os

import numpy as np

Q = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1]
rng = np.random.default_rng(20240115)


def with_nulls(values, fraction):
    values = [float(v) for v in values]
    mask = rng.random(len(values)) < fraction
    return [None if m else v for v, m in zip(values, mask)]


cases = {
    "normal_with_nulls": with_nulls(rng.normal(50, 12, 2000), 0.05),
    "integers_repeating": [float(v) for v in rng.integers(-20, 20, 1500)],
    "lognormal_skewed": [float(v) for v in rng.lognormal(0, 2, 1000)],
    "constant": [7.5] * 10,
    "single": [-3.25],
    "tiny_steps": [float(v) for v in (1e-9 * rng.integers(0, 1000, 300) + 1e6)],
}

out = {"q": Q, "bins": 20, "cases": {}}
for name, values in cases.items():
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    counts, edges = np.histogram(x, bins=20)
    out["cases"][name] = {
        "values": values,
        "count": int(x.size),
        "nulls": int(sum(v is None for v in values)),
        "min": float(x.min()),
        "max": float(x.max()),
        "mean": float(np.mean(x)),
        "std": float(np.std(x)),
        "quantiles": [float(v) for v in np.quantile(x, Q)],
        "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
        "distinct": int(np.unique(x).size),
    }

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numeric_profiles.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(path, os.path.getsize(path), "bytes")
