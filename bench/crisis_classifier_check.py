"""Would a small classifier help the crisis rules? Out-of-fold figures on PsySUICIDE, and a look at new lines.

Not shipped, and not a project dependency: run it in a venv with scikit-learn
(`pip install scikit-learn`, then `python bench/crisis_classifier_check.py` from the repository root).
Character 1-3-gram TF-IDF and a balanced logistic regression, 5-fold stratified cross-validation
(seed 12); the classifier may only raise a "none" from the rules to a check-in, never to a crisis.
It prints, per threshold, the combined detector's recall on the suicide and self-harm classes and its
false alarms on the unrelated class, all from out-of-fold predictions; then, trained on every line, its
scores on the project's own lines expected "none" (hard negatives it never saw). The figures and the
decision are in bench/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from crisis_sets import PSY_TARGETS, PSY_UNRELATED, load_tsv, psysuicide  # noqa: E402

from flows.crisis.detector import Level, assess  # noqa: E402
from flows.crisis.normalise import fold  # noqa: E402

SEED = 12


def _model() -> tuple[Any, Any]:
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=4, class_weight="balanced", max_iter=2000)
    return vectoriser, model


def main() -> None:
    """Print the out-of-fold table and the scores on the project's own hard negatives."""
    lines = psysuicide()
    texts = [fold(line.text).text for line in lines]
    target = np.array([any(label in PSY_TARGETS for label in line.labels) for line in lines], dtype=int)
    unrelated = np.array([line.labels == (PSY_UNRELATED,) for line in lines])
    rules = np.array([int(assess(line.text).level) for line in lines])
    oof = np.zeros(len(texts))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, target):
        vectoriser, model = _model()
        model.fit(vectoriser.fit_transform([texts[i] for i in train]), target[train])
        oof[test] = model.predict_proba(vectoriser.transform([texts[i] for i in test]))[:, 1]
    print("threshold  recall  crisis-FA  check-in-FA   (PsySUICIDE valid, out of fold)")
    for threshold in (None, 0.5, 0.6, 0.7, 0.8):
        levels = rules.copy()
        if threshold is not None:
            levels[(rules == 0) & (oof >= threshold)] = 1
        recall = ((levels >= 1) & (target == 1)).sum() / (target == 1).sum()
        crisis = ((levels == 2) & unrelated).sum() / unrelated.sum()
        check_in = ((levels >= 1) & unrelated).sum() / unrelated.sum()
        name = "rules" if threshold is None else f"{threshold:.1f}"
        print(f"{name:>9}  {recall:6.1%}  {crisis:8.1%}  {check_in:10.1%}")
    vectoriser, model = _model()
    model.fit(vectoriser.fit_transform(texts), target)
    own = [line for name in ("crisis_negatives", "crisis_heldout") for line in load_tsv(name)]
    plain = [line for line in own if line.level == Level.none]
    scores = model.predict_proba(vectoriser.transform([fold(line.text).text for line in plain]))[:, 1]
    for threshold in (0.5, 0.7, 0.9):
        raised = (scores >= threshold).sum()
        print(f"own lines expected none raised to a check-in at {threshold}: {raised}/{len(plain)}")


if __name__ == "__main__":
    main()
