"""The national templates' statistical tables with label matching: row and column keys found from printed labels.

The data (keys, labels, groups, headings, markers) lives in :mod:`xxgk.spec`
(:data:`xxgk.spec.TABLE_SPECS`); this module adds the matching to it and
re-exports the spec's names it always offered.

Stable API (other extractors, e.g. the digit-run recovery, build on it)::

    >>> from xxgk.extract.templates import TEMPLATES, match_row
    >>> t = TEMPLATES["2021"]["applications"]
    >>> len(t.rows), t.column_keys[-1]
    (25, 'total')
    >>> t.match_row("2.其他法律行政止公开").key          # typo-tolerant
    'denied_prohibited_by_law'
    >>> TEMPLATES["2019"]["active_disclosure"].columns_for("fees")
    ('prev_items', 'change')
    >>> match_row("行政處罰")                           # any table, any generation
    ('active_disclosure', 'punishment')

- ``TEMPLATES[generation][table]`` → :class:`TableTemplate`, for ``generation``
  in ``("2019", "2021")`` and ``table`` in :data:`xxgk.spec.TABLE_NAMES`.
- :attr:`TableTemplate.rows` → tuple of :class:`RowSpec` ``(key, labels,
  group, columns, caption)`` in template order; ``labels[0]`` is the
  template's own wording, the rest are variants seen in real reports.
- :attr:`TableTemplate.columns` → tuple of :class:`ColumnSpec` ``(key,
  labels, kind)``; ``kind`` is ``count``, ``change`` (本年增/减, may be
  negative) or ``money``.
- :meth:`TableTemplate.columns_for` → the column keys of one row (the rows
  of ``active_disclosure`` each have their own columns).
- :meth:`TableTemplate.cell_keys` → every ``(row, col)`` in reading order.
- :meth:`TableTemplate.match_row` / :meth:`~TableTemplate.match_column` /
  :meth:`~TableTemplate.match_group` → :class:`~xxgk.extract.labels.LabelMatch`
  or None; :func:`match_row` searches every table.
- :attr:`TableTemplate.alternates`: rows some reports print instead of
  template rows (a 2021-era report keeping （六）其他处理 as one row,
  ``other_processing``, in place of the three ``other_*`` rows).
- :data:`OLD_TABLE_MARKERS`: headers of the pre-2019 统计表, which has no canonical keys;
- :data:`TABLE_HEADINGS`: the section headings that introduce each table;
  :data:`GENERATION_MARKERS` and :func:`detect_generation`: labels found
  only in one template generation.

Labels are written here as the templates print them; matching goes through
:func:`xxgk.extract.labels.label_key`, so script, width, numbering and
punctuation do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from ..spec import (
    GENERATION_MARKERS,
    GENERATIONS,
    OLD_TABLE_MARKERS,
    TABLE_HEADINGS,
    TABLE_SPECS,
    ColumnSpec,
    GroupSpec,
    RowSpec,
    TableSpec,
)
from .labels import DEFAULT_THRESHOLD, LabelMatch, best_match, label_key

__all__ = [
    "ColumnSpec",
    "RowSpec",
    "GroupSpec",
    "TableTemplate",
    "TEMPLATES",
    "GENERATIONS",
    "TABLE_HEADINGS",
    "GENERATION_MARKERS",
    "OLD_TABLE_MARKERS",
    "detect_generation",
    "match_row",
]

@dataclass(frozen=True)
class TableTemplate(TableSpec):
    """One statistical table of one template generation (a :class:`~xxgk.spec.TableSpec`) and how its labels match."""

    _memo: dict[tuple, LabelMatch | None] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: TableSpec) -> TableTemplate:
        """The template of a :class:`~xxgk.spec.TableSpec`."""
        return cls(**{f.name: getattr(spec, f.name) for f in fields(TableSpec) if not f.name.startswith("_")})

    def match_row(
        self,
        text: str,
        *,
        group: str | None = None,
        alternates: bool = False,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> LabelMatch | None:
        """The row whose label ``text`` is, or None (also when it is rather a group label).

        Parameters
        ----------
        text : str
            A printed row label, numbering and all.
        group : str, optional
            The group the label is known to sit under (from a merged cell
            beside it, or the last group label read): rows of that group are
            preferred, which settles short labels such as ``3.其他``.
        alternates : bool, default False
            Also consider :attr:`alternates` (e.g. ``other_processing`` in 2021).
        threshold : float, default 0.66
            The lowest :func:`~xxgk.extract.labels.similarity` accepted.
        """
        memo_key = ("row", text, group, alternates, threshold)
        if memo_key in self._memo:
            return self._memo[memo_key]
        return self._remember(memo_key, self._match_row(text, group, alternates, threshold))

    def _remember(self, key: tuple, value: LabelMatch | None) -> LabelMatch | None:
        """Keep a match result (labels repeat across rows and reports); the memo is bounded."""
        if len(self._memo) < 50000:
            self._memo[key] = value
        return value

    def _match_row(self, text: str, group: str | None, alternates: bool, threshold: float) -> LabelMatch | None:
        rows = self.rows + (self.alternates if alternates else ())
        m = None
        if group is not None:
            inside = [r for r in rows if r.group == group]
            m = best_match(text, ((r.key, r.labels) for r in inside), threshold)
        if m is None:
            m = best_match(text, ((r.key, r.labels) for r in rows), threshold)
        if m is None or m.score >= 1.0:
            return m
        g = self.match_group(text, threshold=threshold)
        if g is not None and g.score >= m.score:
            return None  # a group label (（三）不予公开), not a row
        return m

    def match_alternate(self, text: str, *, threshold: float = 0.8) -> LabelMatch | None:
        """The alternate row (``other_processing``) whose label ``text`` is, or None.

        A 2021 table prints （六）其他处理 as the group label of three rows; a
        report keeping it as one row with numbers uses this instead.
        """
        return best_match(text, ((r.key, r.labels) for r in self.alternates), threshold)

    def match_column(self, text: str, *, threshold: float = DEFAULT_THRESHOLD) -> LabelMatch | None:
        """The column whose header ``text`` is, or None."""
        memo_key = ("col", text, threshold)
        if memo_key in self._memo:
            return self._memo[memo_key]
        return self._remember(memo_key, best_match(text, ((c.key, c.labels) for c in self.columns), threshold))

    def match_group(self, text: str, *, threshold: float = 0.8) -> LabelMatch | None:
        """The group label ``text`` is (三、本年度办理结果, （三）不予公开, …), or None."""
        memo_key = ("group", text, threshold)
        if memo_key in self._memo:
            return self._memo[memo_key]
        return self._remember(memo_key, best_match(text, ((g.key, g.labels) for g in self.groups), threshold))


TEMPLATES: dict[str, dict[str, TableTemplate]] = {
    gen: {name: TableTemplate.from_spec(spec) for name, spec in tables.items()} for gen, tables in TABLE_SPECS.items()
}

_MARKER_KEYS = {gen: tuple(label_key(m) for m in marks) for gen, marks in GENERATION_MARKERS.items()}


def detect_generation(texts: Iterable[str]) -> str | None:
    """``"2019"`` or ``"2021"`` from the labels a table prints, or None when no marker is found.

    >>> detect_generation(["信息内容", "本年新制作数量", "本年新公開數量"])
    '2019'
    >>> detect_generation(["规章", "本年制发件数"])
    '2021'
    """
    votes = dict.fromkeys(_MARKER_KEYS, 0)
    for t in texts:
        k = label_key(t)
        if not k:
            continue
        for gen, marks in _MARKER_KEYS.items():
            if any(m in k for m in marks):
                votes[gen] += 1
    best = max(votes, key=lambda g: votes[g])
    if votes[best] == 0 or list(votes.values()).count(votes[best]) > 1:
        return None
    return best


def match_row(
    text: str, table: str | None = None, generation: str | None = None, threshold: float = DEFAULT_THRESHOLD
) -> tuple[str, str] | None:
    """``(table, row_key)`` of a printed row label, searching every table (or only ``table``), or None.

    ``generation`` restricts the search to one template; otherwise the 2021
    template is tried first, then 2019 (for the rows only it has).
    """
    gens = (generation,) if generation else ("2021", "2019")
    best: tuple[float, str, str] | None = None
    for gen in gens:
        for name, tpl in TEMPLATES[gen].items():
            if table and name != table:
                continue
            m = tpl.match_row(text, threshold=threshold)
            if m is not None and (best is None or m.score > best[0]):
                best = (m.score, name, m.key)
    return None if best is None else (best[1], best[2])
