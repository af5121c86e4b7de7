"""Check the narrative (第三部分 情况说明) of a published document against its tables and against itself (issue 14).

Sentences are parsed into claims that name their subject (:mod:`.claims`), each claim is checked against the
figure the tables print for that subject (:mod:`.check`), and the text is searched for drafting defects
(:mod:`.defects`).  The rules and their codes are one catalogue (:mod:`.catalogue`).
"""

from __future__ import annotations

from .check import check_narrative
from .own import as_publication, check_own_narrative

__all__ = ["as_publication", "check_narrative", "check_own_narrative"]
