"""A system that places the sections and tags of gold files: score one set of labels against another.

A page's export is a gold file; to know how far a reviewer's corrections
agree with another annotation of the same report, score them in the
harness as if they were a system's output::

    from xxgk.evaluate import evaluate
    from xxgk.view import ReplaySystem
    result = evaluate("shared/gold", system=ReplaySystem(["reviewed/hz.json"]))

Each document the harness reads gets the labels of the replayed gold file
with the same source, sentence by sentence through the harness's own
alignment (:func:`xxgk.align.gold_labels_for`); a document no
replayed file covers raises, so that a typo in a path is not scored as 0.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ReplaySystem"]


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ReplaySystem:
    """Sections and tags read from gold files (e.g. the corrections exported from ``xxgk view`` pages).

    Parameters
    ----------
    gold_files : iterable of path or GoldDoc
        The gold files to replay.
    root : path, optional
        The folder their ``source`` is relative to (see :func:`xxgk.evaluate.load_gold`).
    """

    name = "replay"

    def __init__(self, gold_files: Iterable[Any], root: str | os.PathLike | None = None) -> None:
        from ..gold import GoldDoc, load_gold

        self.golds: list[GoldDoc] = [g if isinstance(g, GoldDoc) else load_gold(g, root=root) for g in gold_files]
        self._by_sha: dict[str, GoldDoc] = {}
        for g in self.golds:
            sha = _sha256(g.source_path)
            if sha:
                self._by_sha[sha] = g

    def _gold_for(self, doc: Any) -> Any:
        meta = doc.document.meta
        if meta.sha256 and meta.sha256 in self._by_sha:
            return self._by_sha[meta.sha256]
        if meta.source:
            here = Path(meta.source).resolve()
            for g in self.golds:
                if g.source_path.resolve() == here:
                    return g
        raise ValueError(f"{meta.source or 'a document'}: no replayed gold file has this source; "
                         "pass the gold file exported for it.")

    def predict(self, docs: Sequence[Any]) -> list[Any]:
        from ..align import gold_labels_for
        from ..pipeline import Prediction

        out = []
        for doc in docs:
            sections, tags, _mask = gold_labels_for(doc, self._gold_for(doc))
            out.append(Prediction(sections=sections, tags=[t or "other" for t in tags]))
        return out
