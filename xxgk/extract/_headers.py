"""Column headers printed from the other template generation.

A report can print a 2019-template header over 2021-template rows (or the
reverse): ``本年收费金额`` over a table otherwise read as 2019, or
``本年新制作数量`` over rows read as 2021. The columns must follow the header
that is printed, or be flagged; they must never silently take the other
template's meaning. :func:`foreign_column` tells such a header label; the
readers mark the rows under it (:data:`FOREIGN`) and
:func:`xxgk.extract.rows.assemble` leaves those rows' cells ``ambiguous``
with a ``header_mismatch`` finding instead of filling them in template order.
"""

from __future__ import annotations

from .templates import TEMPLATES, TableTemplate

__all__ = ["FOREIGN", "foreign_column"]

#: Prefix of a header key that names a column of the other generation's template.
FOREIGN = "!"


def foreign_column(text: str, template: TableTemplate) -> str | None:
    """``"!" + key`` when ``text`` names a column of the other generation's table and none of ``template``'s.

    >>> from xxgk.extract.templates import TEMPLATES
    >>> foreign_column("本年收费金额（单位：万元）", TEMPLATES["2019"]["active_disclosure"])
    '!amount'
    >>> foreign_column("本年处理决定数量", TEMPLATES["2019"]["active_disclosure"]) is None
    True
    """
    if template.match_column(text, threshold=0.8) is not None:
        return None
    for gen, tables in TEMPLATES.items():
        if gen == template.generation or template.name not in tables:
            continue
        m = tables[template.name].match_column(text, threshold=0.9)
        if m is not None:
            return FOREIGN + m.key
    return None
