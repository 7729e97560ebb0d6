#!/usr/bin/python3
"""Reference values for src/stats tests, from scipy 1.10 / numpy 1.24.

Run with the system Python that has numpy and scipy:  /usr/bin/python3 make_fixtures.py
Samples are not stored: both sides rebuild them from a recipe with the same mulberry32
generator (see generate.ts), using only + - * / and floor so the data is bit-identical.
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    state = [seed & M32]

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rand


def generate(r):
    rand = mulberry32(r["seed"])
    out = np.empty(r["n"])
    for i in range(r["n"]):
        if r["kind"] == "normal":
            x = rand() + rand() + rand() + rand() - 2
        elif r["kind"] == "normal12":
            x = 0.0
            for _ in range(12):
                x += rand()
            x -= 6
        elif r["kind"] == "skew":
            u = rand()
            x = u * u * u
        else:
            x = rand()
        x = x * r["scale"] + r["shift"]
        if r["roundTo"] > 0:
            x = math.floor(x * r["roundTo"]) / r["roundTo"]
        out[i] = x
    return out


def recipe(seed, n, kind="normal", shift=0.0, scale=1.0, round_to=0):
    return {"seed": seed, "n": n, "kind": kind, "shift": shift, "scale": scale, "roundTo": round_to}


def write(name, data):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


def ks_fixtures():
    cases = []
    specs = [
        # (a, b, method)
        (recipe(1, 5), recipe(2, 7, shift=0.5), "auto"),
        (recipe(3, 10), recipe(4, 10), "auto"),
        (recipe(5, 3), recipe(6, 20, shift=1.0), "auto"),
        (recipe(7, 8), recipe(8, 8, shift=10.0), "auto"),  # disjoint, smallest exact p
        (recipe(9, 30, round_to=2), recipe(10, 45, round_to=2, shift=0.3), "auto"),  # ties
        (recipe(11, 40, round_to=1), recipe(12, 40, round_to=1), "auto"),  # heavy ties
        (recipe(13, 25), recipe(13, 25), "auto"),  # identical samples
        (recipe(14, 500), recipe(15, 700, shift=0.1), "auto"),
        (recipe(16, 1000), recipe(17, 1000, shift=0.05), "auto"),
        (recipe(18, 2000, kind="skew"), recipe(19, 3000, kind="skew", scale=1.1), "auto"),
        (recipe(20, 3000), recipe(21, 3000, shift=1.0), "auto"),  # extreme exact p
        (recipe(22, 1500), recipe(23, 2500, shift=0.6), "auto"),  # extreme exact p, m != n
        (recipe(24, 10000), recipe(25, 10000, shift=0.02), "auto"),  # exact, largest square
        (recipe(26, 10000), recipe(27, 9999, shift=0.03), "auto"),  # exact, inside method
        (recipe(28, 10001), recipe(29, 5000, shift=0.03), "auto"),  # asymp, just past switch
        (recipe(30, 10001), recipe(31, 10001), "auto"),
        (recipe(32, 20000), recipe(33, 30000, shift=0.1), "auto"),  # asymp, smirnov tail
        (recipe(34, 50000), recipe(35, 50000, shift=0.005), "auto"),  # asymp, Pelz-Good
        (recipe(36, 12), recipe(37, 40000, shift=0.4), "auto"),  # asymp with small en
        (recipe(38, 150), recipe(39, 20000, shift=0.2), "auto"),  # asymp, en ~ 149
        (recipe(40, 30000, round_to=10), recipe(41, 30000, round_to=10, shift=0.02), "auto"),
        (recipe(42, 50), recipe(43, 60, shift=0.3), "asymp"),
        (recipe(44, 100), recipe(45, 130, shift=0.2), "asymp"),
        (recipe(46, 400), recipe(47, 400, shift=0.1), "asymp"),
        (recipe(48, 300), recipe(49, 250, shift=0.5), "exact"),
        (recipe(50, 20000), recipe(51, 15000, shift=0.02), "exact"),
        (recipe(52, 6), recipe(53, 9), "asymp"),
        (recipe(54, 20000), recipe(55, 20000, shift=0.2), "auto"),  # tiny asymp p
    ]
    for a_r, b_r, method in specs:
        a, b = generate(a_r), generate(b_r)
        res = stats.ks_2samp(a, b, method=method)
        mode = method
        if method == "auto":
            mode = "exact" if max(len(a), len(b)) <= 10000 else "asymp"
        cases.append({"a": a_r, "b": b_r, "method": method, "statistic": float(res.statistic),
                      "pvalue": float(res.pvalue), "expectedMethod": mode})

    grid = []
    rng = np.random.default_rng(7)
    for n in [1, 2, 3, 7, 20, 60, 140, 141, 400, 2000, 10000, 100000, 100001, 500000, 1000001]:
        # The Smirnov sum is O(n) for n up to 10^6: keep few random points at the largest n.
        few = n >= 500000
        ds = list(rng.uniform(0, 1, 2 if few else 6))
        ds += list(rng.uniform(0, 4 / math.sqrt(n), 2 if few else 10))
        ds += [math.sqrt(t / n) for t in (0.5, 0.76, 2.0, 2.21, 4.1, 17.0, 19.0, 300.0)]
        for d in ds:
            if 0 < d < 1:
                grid.append({"n": n, "d": float(d), "sf": float(stats.kstwo.sf(d, n)),
                             "smirnov": float(special.smirnov(n, d))})
    write("ks.json", {"scipy": scipy.__version__, "cases": cases, "kstwo": grid})


def distribution_fixtures():
    xs = [-40, -20, -8, -5, -3, -2.5, -1.96, -1, -0.3, 0, 0.3, 1, 1.5, 1.96, 2, 2.5, 3, 5, 8,
          10, 20, 30, 37.5]
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.02425, 0.05, 0.2, 0.5, 0.8, 0.95,
          0.975, 0.999, 1 - 1e-10]
    chi = [[0.0001, 1], [0.5, 1], [3.84, 1], [10, 1], [100, 1], [2, 2], [7.8, 3], [50, 3],
           [300, 5], [0.5, 0.5], [30, 10], [1e3, 900], [1100, 1000], [900, 1000], [5000, 100],
           [40, 40], [1e-3, 7]]
    gl = [0.01, 0.1, 0.5, 1, 1.5, 2, 2.5, 3.7, 9.99, 10, 10.01, 55.5, 1000, 1e6, 1e10]
    write("distributions.json", {
        "normal": [{"x": x, "cdf": float(stats.norm.cdf(x)), "sf": float(stats.norm.sf(x))}
                   for x in xs],
        "ppf": [{"p": p, "x": float(stats.norm.ppf(p))} for p in ps],
        "chi2": [{"x": x, "dof": k, "sf": float(stats.chi2.sf(x, k)),
                  "cdf": float(stats.chi2.cdf(x, k))} for x, k in chi],
        "gammaln": [{"x": x, "value": float(special.gammaln(x))} for x in gl],
    })


def chi_square_fixtures():
    tables = [
        [[10, 20], [30, 40]],
        [[5, 0], [0, 5]],
        [[100, 120, 90], [110, 80, 150]],
        [[3, 7, 2, 9], [4, 4, 4, 4], [12, 1, 0, 5]],
        [[1000, 2000], [1010, 1990]],
        [[12000, 500, 30], [11000, 1500, 90]],
        [[50, 50]],
    ]
    cont = []
    for t in tables:
        for correction in (True, False):
            arr = np.array(t)
            if arr.shape[0] < 2:
                cont.append({"table": t, "correction": correction, "statistic": 0.0,
                             "pvalue": 1.0, "dof": 0})
                continue
            chi2, p, dof, _ = stats.chi2_contingency(arr, correction=correction)
            cont.append({"table": t, "correction": correction, "statistic": float(chi2),
                         "pvalue": float(p), "dof": int(dof)})
    gof = []
    for obs, exp, ddof in [
        ([16, 18, 16, 14, 12, 12], None, 0),
        ([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8], 0),
        ([500, 300, 200], [450, 350, 200], 0),
        ([500, 300, 200], [450, 350, 200], 1),
        ([5000, 3000, 2000, 10], [4000, 3500, 2500, 10], 0),
    ]:
        res = stats.chisquare(obs, exp, ddof=ddof)
        gof.append({"observed": obs, "expected": exp, "ddof": ddof,
                    "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
    write("chiSquare.json", {"contingency": cont, "goodnessOfFit": gof})


def psi_reference(reference, current, bins=10, eps=1e-4):
    """The numpy PSI that psi.ts must reproduce (see its header for the conventions)."""
    ref = reference[~np.isnan(reference)]
    cur = current[~np.isnan(current)]
    edges = np.unique(np.quantile(ref, [i / bins for i in range(1, bins)]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    rf = np.maximum(r / r.sum(), eps)
    cf = np.maximum(c / c.sum(), eps)
    return float(np.sum((cf - rf) * np.log(cf / rf))), edges, r, c


def misc_fixtures():
    psi_cases = []
    for ref_r, cur_r, bins in [
        (recipe(60, 5000), recipe(61, 5000), 10),
        (recipe(62, 5000), recipe(63, 4000, shift=0.3), 10),
        (recipe(64, 5000), recipe(65, 4000, shift=3.0), 10),  # empty bins: epsilon matters
        (recipe(66, 3000, kind="skew"), recipe(67, 3000, kind="skew", scale=1.5), 5),
        (recipe(68, 2000, round_to=2), recipe(69, 2000, round_to=2, shift=0.5), 10),  # ties
        (recipe(70, 1000, kind="uniform", round_to=3), recipe(71, 900, kind="uniform"), 20),
    ]:
        value, edges, r, c = psi_reference(generate(ref_r), generate(cur_r), bins)
        psi_cases.append({"reference": ref_r, "current": cur_r, "bins": bins, "value": value,
                          "edges": [float(e) for e in edges], "referenceCounts": r.tolist(),
                          "currentCounts": c.tolist()})

    js = []
    for p, q, base in [
        ([1, 0, 0], [0, 1, 0], None),
        ([1, 0, 0], [0, 1, 0], 2),
        ([0.1, 0.2, 0.7], [0.3, 0.3, 0.4], None),
        ([10, 20, 30, 40], [40, 30, 20, 10], 2),
        ([5, 0, 5, 1], [4, 1, 5, 0], None),
        ([1, 1], [1, 1], None),
    ]:
        js.append({"p": p, "q": q, "base": base,
                   "value": float(distance.jensenshannon(p, q, base=base))})

    ws = []
    for a_r, b_r in [
        (recipe(80, 10), recipe(81, 13, shift=0.5)),
        (recipe(82, 1000, kind="skew"), recipe(83, 1500)),
        (recipe(84, 500, round_to=2), recipe(85, 700, round_to=2, shift=1.0)),
        (recipe(86, 20000), recipe(87, 20000, shift=0.01)),
    ]:
        ws.append({"a": a_r, "b": b_r,
                   "value": float(stats.wasserstein_distance(generate(a_r), generate(b_r)))})

    zt = []
    for x1, n1, x2, n2 in [(45, 100, 30, 100), (5, 1000, 15, 1000), (500, 1000, 500, 1000),
                           (1, 10, 9, 10), (12000, 100000, 10000, 100000), (3, 50, 0, 40)]:
        # statsmodels proportions_ztest, pooled (prop_var=False), two-sided, written out.
        p1, p2 = x1 / n1, x2 / n2
        p = (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        zt.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "statistic": z,
                   "pvalue": float(2 * stats.norm.sf(abs(z)))})

    sw = []
    for n in [3, 4, 5, 6, 7, 10, 11, 12, 20, 50, 500, 5000]:
        for kind, seed in (("normal12", 100 + n), ("skew", 200 + n)):
            r = recipe(seed, n, kind=kind, scale=3.0, shift=10.0)
            res = stats.shapiro(generate(r))
            sw.append({"sample": r, "statistic": float(res.statistic),
                       "pvalue": float(res.pvalue)})

    mt = []
    pv_sets = [[0.01, 0.04, 0.03, 0.005, 0.5], [0.2, 0.2, 0.01, 0.9, 0.04, 0.04, 0.3],
               [1e-10, 0.5], [0.05]]
    for pv in pv_sets:
        arr = np.array(pv)
        m = len(arr)
        order = np.argsort(arr)
        s = arr[order]
        # statsmodels.stats.multitest.multipletests, methods "holm" and "fdr_bh", written out.
        holm = np.minimum(np.maximum.accumulate(s * np.arange(m, 0, -1)), 1)
        bh = np.minimum(np.minimum.accumulate((s * m / np.arange(1, m + 1))[::-1])[::-1], 1)
        h_out = np.empty(m)
        b_out = np.empty(m)
        h_out[order] = holm
        b_out[order] = bh
        mt.append({"pvalues": pv, "holm": h_out.tolist(), "bh": b_out.tolist()})

    write("misc.json", {"psi": psi_cases, "jensenShannon": js, "wasserstein": ws,
                        "zTest": zt, "shapiro": sw, "multipleTesting": mt})


if __name__ == "__main__":
    distribution_fixtures()
    chi_square_fixtures()
    misc_fixtures()
    ks_fixtures()
