"""Transitional alias: the evaluator is the package :mod:`juesuan_xlsx.evaluation`.

Kept only while modules being rewritten still import the old name (``verify.py``, ``rules/``); it adds no cycle
(:mod:`juesuan_xlsx.evaluation` never imports it).  Delete it once nothing imports ``juesuan_xlsx.evaluate``.
"""

from __future__ import annotations

from .evaluation import CIRCULAR_ERROR, Evaluation, evaluate_workbook

__all__ = ["CIRCULAR_ERROR", "Evaluation", "evaluate_workbook"]
