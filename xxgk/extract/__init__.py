"""Rule-based extractors for the three statistical tables (``report-format.md`` section 4).

The package's public names; the work is done in its modules:

- :mod:`.tables`: :func:`extract_tables`, a report's table blocks sorted by
  table and handed to the extractor of their form;
- :mod:`.active_disclosure`, :mod:`.applications`, :mod:`.review_litigation`:
  one module per table, reading grids (:mod:`.grid`) and cell-per-line
  tokens (:mod:`.flat`);
- :mod:`.digits`: tables that reached us as runs of digits;
- :mod:`.templates` and :mod:`.labels`: the spec's template tables
  (:mod:`xxgk.spec`) and how printed labels match them;
- :mod:`.cells`: one cell's text to a number, a blank or a dash;
- :mod:`.types`: what they return (:class:`ExtractedTable`, :class:`TableValue`, :class:`Finding`).
"""

from __future__ import annotations

from .tables import document_generation, extract_tables
from .types import ExtractedTable, Finding, TableValue, table_from_dict

__all__ = ["ExtractedTable", "Finding", "TableValue", "table_from_dict", "extract_tables", "document_generation"]
