"""The names of ``report-format.md``: section labels and sentence tags, in order."""

from __future__ import annotations

__all__ = ["SECTION_LABELS", "TAGS", "TABLE_NAMES", "check_section", "check_tag"]

#: Section labels in the order the national templates put them.
SECTION_LABELS: tuple[str, ...] = (
    "preamble",
    "overview",
    "active_disclosure",
    "applications",
    "review_litigation",
    "problems_improvements",
    "other_matters",
)

#: Sentence tags.
TAGS: tuple[str, ...] = ("achievement", "problem", "plan", "other")

#: The three statistical tables, by the section that holds them.
TABLE_NAMES: tuple[str, ...] = ("active_disclosure", "applications", "review_litigation")


def check_section(label: str) -> str:
    if label not in SECTION_LABELS:
        raise ValueError(f"Unknown section label {label!r}; expected one of {', '.join(SECTION_LABELS)}.")
    return label


def check_tag(tag: str) -> str:
    if tag not in TAGS:
        raise ValueError(f"Unknown sentence tag {tag!r}; expected one of {', '.join(TAGS)}.")
    return tag
