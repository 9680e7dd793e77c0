"""The AMD classifier's model: gradient-boosted trees trained by scikit-learn
(bench/amd_classifier.py), exported to JSON and evaluated here in plain Python, so the dialer
needs neither scikit-learn nor numpy. Multi-class boosting: one tree per class per stage,
raw score = the prior's score + learning rate x the sum of the class's leaves, softmax.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

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
        raw = self.raw_scores(x)
        top = max(raw)
        exp = [math.exp(r - top) for r in raw]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}

    @functools.cached_property
    def raw_scores(self) -> Callable[[Sequence[float]], list[float]]:
        """Each class's raw score, by the trees compiled into one Python function: a look
        reads hundreds of trees, and as code they take a quarter of the time they take walked
        (the same comparisons and the same sums in the same order: the same floats)."""
        lines = ["def raw_scores(x):"]
        lines += [f"    r{k} = {prior!r}" for k, prior in enumerate(self.prior)]
        lines += [f"    r{k} += {_expression(tree, 0, self.learning_rate)}"
                  for stage in self.stages for k, tree in enumerate(stage)]
        lines.append(f"    return [{', '.join(f'r{k}' for k in range(len(self.prior)))}]")
        namespace: dict[str, Any] = {}
        exec("\n".join(lines), namespace)  # noqa: S102 (code made here from the numbers above)
        compiled: Callable[[Sequence[float]], list[float]] = namespace["raw_scores"]
        return compiled

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


def _expression(tree: Tree, node: int, rate: float) -> str:
    """The tree from `node` as a conditional expression of x, its leaves times `rate`."""
    if tree.feature[node] < 0:
        return repr(rate * tree.value[node])
    return (f"({_expression(tree, tree.left[node], rate)} "
            f"if x[{tree.feature[node]}] <= {float(tree.threshold[node])!r} "
            f"else {_expression(tree, tree.right[node], rate)})")


def shipped() -> BoostedTrees:
    """The model shipped in the package."""
    return BoostedTrees.from_json(resources.files(__package__).joinpath(SHIPPED).read_text())
