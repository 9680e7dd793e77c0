"""The AMD classifier's model: gradient-boosted trees trained by scikit-learn
(bench/amd_classifier.py), exported to JSON and evaluated here in plain Python, so the dialer
needs neither scikit-learn nor numpy. Multi-class boosting: one tree per class per stage,
raw score = the prior's score + learning rate x the sum of the class's leaves, softmax.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

SHIPPED = "amd_model.json"  # in this package


@dataclass(frozen=True)
class Tree:
    """Nodes in arrays; a leaf has feature -1 and its value in `value`."""
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]


@dataclass(frozen=True)
class BoostedTrees:
    classes: tuple[str, ...]
    features: tuple[str, ...]   # the names, in the order the model reads them
    prior: tuple[float, ...]    # raw score before any tree, per class
    learning_rate: float
    stages: tuple[tuple[Tree, ...], ...]  # per stage, a tree per class

    def probabilities(self, x: Sequence[float]) -> dict[str, float]:
        raw = list(self.prior)
        rate = self.learning_rate
        for stage in self.stages:
            for k, tree in enumerate(stage):  # hundreds of trees a look: no call per tree
                feature, threshold, left, right = tree.feature, tree.threshold, tree.left, tree.right
                node = 0
                while feature[node] >= 0:
                    node = left[node] if x[feature[node]] <= threshold[node] else right[node]
                raw[k] += rate * tree.value[node]
        top = max(raw)
        exp = [math.exp(r - top) for r in raw]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}

    def to_json(self) -> str:
        return json.dumps({
            "classes": self.classes, "features": self.features, "prior": self.prior,
            "learning_rate": self.learning_rate,
            "stages": [[[t.feature, t.threshold, t.left, t.right, t.value] for t in stage]
                       for stage in self.stages]}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BoostedTrees:
        d = json.loads(text)
        return cls(tuple(d["classes"]), tuple(d["features"]), tuple(d["prior"]),
                   float(d["learning_rate"]),
                   tuple(tuple(Tree(*(tuple(part) for part in tree)) for tree in stage)
                         for stage in d["stages"]))


def shipped() -> BoostedTrees:
    """The model shipped in the package."""
    return BoostedTrees.from_json(resources.files(__package__).joinpath(SHIPPED).read_text())
