"""See a report and correct it: self-contained HTML pages, an index for a batch, corrections that become gold.

Each page is one static HTML file (no server, no network; it opens from
``file://``). The report's data travel inside it as JSON; plain JavaScript
draws the text as labelled section bands with every sentence marked by its
tag and confidence, the three statistical tables as the template's grids
(value, raw text and provenance per cell, failing consistency rules with
their arithmetic) and the findings. The reader can change a sentence's
section or tag and a cell's value, and export the result as a gold file
(``report-format.md`` section 5) that :func:`xxgk.evaluate.load_gold` and
``xxgk evaluate`` accept as it is.

    >>> import xxgk
    >>> text = "2021年政府信息公开工作年度报告\\n一、总体情况\\n2021年，共受理申请6件。\\n五、存在的主要问题及改进情况\\n主动公开意识有待增强。"
    >>> report = xxgk.analyze(text, system="rules")
    >>> page = xxgk.render_html(report)
    >>> page.startswith("<!DOCTYPE html>"), "主动公开意识有待增强" in page
    (True, True)

From the shell: ``xxgk view FILE [--out PAGE.html]`` and ``xxgk tag … --html``.

:class:`ReplaySystem` places the sections and tags of reviewed gold files, so
that the harness can score a set of corrections against another gold
(``xxgk.evaluate.evaluate(gold_dir, system=ReplaySystem(files))``).
"""

from __future__ import annotations

from .page import (
    DEFAULT_LOW_CONFIDENCE,
    VIEW_SCHEMA,
    page_data,
    page_summary,
    read_page_summary,
    render_html,
    render_index,
    write_html,
    write_index,
)
from .replay import ReplaySystem

__all__ = [
    "VIEW_SCHEMA",
    "DEFAULT_LOW_CONFIDENCE",
    "page_data",
    "page_summary",
    "render_html",
    "write_html",
    "render_index",
    "write_index",
    "read_page_summary",
    "ReplaySystem",
]
