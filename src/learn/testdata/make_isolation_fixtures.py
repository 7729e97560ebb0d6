"""Reference fixture for src/learn/isolationForest.test.ts.

Run with /usr/bin/python3 (numpy, scikit-learn 1.2.1) from the repository root:
    /usr/bin/python3 src/learn/testdata/make_isolation_fixtures.py
Writes isolation_forest.json: a dataset with planted outliers, which rows are outliers, and
scikit-learn IsolationForest's scores and AUROC over 10 seeds (its defaults: 100 trees, 256 rows).
"""
import json
import os

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(20240603)
n_inliers, n_outliers, d = 600, 24, 5

# Inliers: two correlated Gaussian clusters; outliers: uniform in a wider box, and a few that
# are only extreme on one feature (harder: isolated by one coordinate).
cov = np.array([[1.0 if i == j else 0.5 for j in range(d)] for i in range(d)])
a = rng.multivariate_normal(np.zeros(d), cov, n_inliers // 2)
b = rng.multivariate_normal(np.full(d, 4.0), cov, n_inliers // 2)
out_box = rng.uniform(-6, 10, size=(n_outliers - 6, d))
out_axis = rng.multivariate_normal(np.zeros(d), cov, 6)
out_axis[:, 2] += rng.choice([-1, 1], 6) * 7.0
X = np.vstack([a, b, out_box, out_axis])
y = np.concatenate([np.zeros(n_inliers), np.ones(n_outliers)])
perm = rng.permutation(len(X))
X, y = X[perm], y[perm]
X = np.round(X, 6)

aucs = []
scores0 = None
for seed in range(10):
    forest = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X)
    s = -forest.score_samples(X)
    if scores0 is None:
        scores0 = s
    aucs.append(roc_auc_score(y, s))

out = {
    "nRows": int(X.shape[0]),
    "nFeatures": int(d),
    "X": [float(v) for v in X.ravel()],
    "outlier": [int(v) for v in y],
    "sklearnScoresSeed0": [round(float(v), 6) for v in scores0],
    "sklearnAuc": {"mean": float(np.mean(aucs)), "min": float(np.min(aucs)), "max": float(np.max(aucs))},
    "sklearnVersion": __import__("sklearn").__version__,
}
path = os.path.join(os.path.dirname(__file__), "isolation_forest.json")
with open(path, "w") as f:
    json.dump(out, f)
print(path, out["sklearnAuc"])
