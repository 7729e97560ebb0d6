"""Reference data and values for the poisoning detectors and the learners under src/learn/.

Run with /usr/bin/python3 (numpy 1.24, scipy 1.10, scikit-learn 1.2.1):
    /usr/bin/python3 src/data/poisoning/testdata/make_fixtures.py
Writes, beside this script:
  breast_cancer.csv, digits.csv  sklearn's datasets, feature columns + `label`
  learn_reference.json           sklearn's answers the TypeScript learners are checked against
Tests read these files; CI never runs Python.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def write_csv(name, X, y, columns):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        f.write(",".join(columns + ["label"]) + "\n")
        for row, label in zip(X, y):
            f.write(",".join(fmt(v) for v in row) + f",{label}\n")


def fmt(v):
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


bc = load_breast_cancer()
bc_cols = [c.replace(" ", "_") for c in bc.feature_names]
write_csv("breast_cancer.csv", bc.data, bc.target, bc_cols)
dg = load_digits()
write_csv("digits.csv", dg.data, dg.target, [f"px{i}" for i in range(64)])

reference = {}

# Logistic regression, C=1 (sklearn's default), on features standardised with population std
# (StandardScaler), lbfgs solved to a tight tolerance so the optimum, not the solver, is compared.
def lr_probs(X, y, rows):
    Xs = StandardScaler().fit_transform(X)
    model = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(Xs, y)
    return model.predict_proba(Xs[rows]).round(8).tolist()

reference["lr_breast_cancer"] = {"rows": list(range(0, 569, 3)), "C": 1.0}
reference["lr_breast_cancer"]["proba"] = lr_probs(bc.data, bc.target, reference["lr_breast_cancer"]["rows"])
reference["lr_digits"] = {"rows": list(range(0, 1797, 9)), "C": 1.0}
reference["lr_digits"]["proba"] = lr_probs(dg.data, dg.target, reference["lr_digits"]["rows"])

# Histogram gradient boosting accuracy on a fixed split (test = every 4th row).
def hgb_accuracy(X, y):
    test = np.arange(len(y)) % 4 == 0
    model = HistGradientBoostingClassifier(random_state=0, early_stopping=False).fit(X[~test], y[~test])
    return float((model.predict(X[test]) == y[test]).mean())

reference["hgb_accuracy"] = {
    "split": "test = rows with index % 4 == 0",
    "breast_cancer": hgb_accuracy(bc.data, bc.target),
    "digits": hgb_accuracy(dg.data, dg.target),
}

# ROC AUC with heavy ties.
rng = np.random.default_rng(7)
scores = rng.integers(0, 12, size=300) / 4.0
positive = (rng.random(300) < 0.2 + scores / 10).astype(int)
reference["roc_auc"] = {
    "scores": scores.tolist(),
    "positive": positive.tolist(),
    "auc": float(roc_auc_score(positive, scores)),
}

with open(os.path.join(HERE, "learn_reference.json"), "w") as f:
    json.dump(reference, f)
print({k: v for k, v in reference["hgb_accuracy"].items()}, reference["roc_auc"]["auc"])
