"""Section 二: information disclosed on the body's own initiative (``active_disclosure``).

The table is a stack of small blocks, one per item of 第二十条 of the
regulations, each with its own caption and header (信息内容 | 本年制发件数 …),
and its rows have different columns (``regulations`` has three, ``fees`` one
in 2021 and two in 2019). A header row maps the block's value cells to
column keys; where the header is missing (a block continued on the next PDF
page) the row's own columns are filled in template order. DOCX and PDF
copies often give each block as a separate table: they are read together.
Money is kept as printed (``24252.311082``; ``251000元`` is 251000, in the
unit the report used).
"""

from __future__ import annotations

from ..document import Cell, Table
from .flat import assemble, read_flat_rows
from .grid import read_grid_rows
from .templates import TableTemplate
from .types import ExtractedTable, Finding

__all__ = ["extract_grid", "extract_flat"]


def extract_grid(tables: list[Table], template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``active_disclosure`` from grid blocks."""
    return assemble(read_grid_rows(tables, template, alternates=False), template, "grid", findings)


def extract_flat(tokens: list[Cell], table: Table, template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``active_disclosure`` from cells one per line, in reading order."""
    return assemble(read_flat_rows(tokens, table, template), template, "cell-per-line", findings)
