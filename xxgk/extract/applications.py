"""Section 三: applications received and handled (``applications``), 7 columns × 25 rows (23 in 2019).

Rows are named by their labels (typo-tolerant, with the group label beside
them settling short ones such as ``3.其他``), columns by the header where
there is one (whatever way 法人或其他组织 is split or merged) and otherwise
by the template's order. A 2021 table that keeps （六）其他处理 as one row
gets ``other_processing`` in place of the three ``other_*`` rows. A row whose
label matches nothing is placed by position only when exactly the missing
rows lie between its recognised neighbours.
"""

from __future__ import annotations

from ..document import Cell, Table
from .flat import assemble, read_flat_rows
from .grid import read_grid_rows
from .templates import TableTemplate
from .types import ExtractedTable, Finding

__all__ = ["extract_grid", "extract_flat"]


def extract_grid(tables: list[Table], template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``applications`` from grid blocks (one, or several after page breaks)."""
    return assemble(read_grid_rows(tables, template), template, "grid", findings)


def extract_flat(tokens: list[Cell], table: Table, template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``applications`` from cells one per line, in reading order."""
    return assemble(read_flat_rows(tokens, table, template), template, "cell-per-line", findings)
