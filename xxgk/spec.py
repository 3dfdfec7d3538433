"""The spec's data (``report-format.md``): section labels, sentence tags, table names, the template tables.

This module is the bottom layer that readers, extractors, systems and the
harness share; it imports nothing from xxgk. It holds data only: matching a
printed label to these labels is :mod:`xxgk.extract.labels` and
:mod:`xxgk.extract.templates`.

- :data:`SECTION_LABELS`, :data:`TAGS`, :data:`TABLE_NAMES` (section 1-3);
- :data:`TABLE_SPECS` ``[generation][table]`` → :class:`TableSpec`: the row
  and column keys of both template generations with every label they are
  printed with (section 4), :data:`GENERATIONS`;
- :data:`APPLICANT_KEYS`: the applicant columns of ``applications``;
- :data:`TABLE_HEADINGS`, :data:`GENERATION_MARKERS`,
  :data:`OLD_TABLE_MARKERS`: what introduces a table, what only one
  generation prints, and the header of the pre-2019 统计表.

>>> TABLE_SPECS["2019"]["active_disclosure"].columns_for("fees")
('prev_items', 'change')
>>> APPLICANT_KEYS[0], len(APPLICANT_KEYS)
('natural_person', 6)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "SECTION_LABELS",
    "TAGS",
    "TABLE_NAMES",
    "check_section",
    "check_tag",
    "GENERATIONS",
    "ColumnSpec",
    "RowSpec",
    "GroupSpec",
    "TableSpec",
    "TABLE_SPECS",
    "APPLICANT_KEYS",
    "TABLE_HEADINGS",
    "GENERATION_MARKERS",
    "OLD_TABLE_MARKERS",
]

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


# --- template tables (section 4) ---------------------------------------------

GENERATIONS: tuple[str, ...] = ("2019", "2021")

ColumnKind = Literal["count", "change", "money"]


@dataclass(frozen=True)
class ColumnSpec:
    """A column of a template table: canonical key, printed labels, and what its numbers are."""

    key: str
    labels: tuple[str, ...]
    kind: ColumnKind = "count"


@dataclass(frozen=True)
class RowSpec:
    """A row of a template table.

    Attributes
    ----------
    key : str
        Canonical row key (``report-format.md`` section 4).
    labels : tuple of str
        ``labels[0]`` as the template prints it, then variants.
    group : str or None
        Key of the :class:`GroupSpec` the row sits under (``denied`` for the
        eight （三）不予公开 rows), or None.
    columns : tuple of str or None
        The row's own column keys; None means all the table's columns.
    caption : str or None
        The caption above the row's block (``第二十条第（一）项``), active_disclosure only.
    replaces : tuple of str
        For an alternate row: the template rows it stands for.
    """

    key: str
    labels: tuple[str, ...]
    group: str | None = None
    columns: tuple[str, ...] | None = None
    caption: str | None = None
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupSpec:
    """A label that spans several rows (三、本年度办理结果, （三）不予公开, …) and is no row itself."""

    key: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """One statistical table of one template generation, as data: its rows, columns, groups and alternates."""

    name: str
    generation: str
    rows: tuple[RowSpec, ...]
    columns: tuple[ColumnSpec, ...]
    groups: tuple[GroupSpec, ...] = ()
    alternates: tuple[RowSpec, ...] = ()
    _rows_by_key: dict[str, RowSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rows_by_key.update({r.key: r for r in self.rows + self.alternates})

    @property
    def row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.rows)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def row(self, key: str) -> RowSpec:
        """The :class:`RowSpec` of ``key`` (alternates included); KeyError when unknown."""
        return self._rows_by_key[key]

    def column(self, key: str) -> ColumnSpec:
        """The :class:`ColumnSpec` of ``key``; KeyError when unknown."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def columns_for(self, row_key: str) -> tuple[str, ...]:
        """The column keys of one row, in order."""
        spec = self.row(row_key)
        return spec.columns if spec.columns is not None else self.column_keys

    def cell_keys(self) -> list[tuple[str, str]]:
        """Every ``(row, col)`` of the template, row by row."""
        return [(r.key, c) for r in self.rows for c in self.columns_for(r.key)]


# --- active_disclosure (section 二) ------------------------------------------

_CAP1, _CAP5, _CAP6, _CAP8, _CAP9 = (f"第二十条第（{n}）项" for n in ("一", "五", "六", "八", "九"))

_AD_ROW_LABELS: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("行政规范性文件", "规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务事项", "其他对外管理服务"),
    "punishment": ("行政处罚",),
    "coercion": ("行政强制",),
    "fees": ("行政事业性收费", "行政事业性收费项目"),
    "procurement": ("政府集中采购", "集中采购"),
}

_AD_2021 = TableSpec(
    name="active_disclosure",
    generation="2021",
    rows=(
        RowSpec("regulations", _AD_ROW_LABELS["regulations"], columns=("made", "repealed", "in_force"), caption=_CAP1),
        RowSpec("normative_documents", _AD_ROW_LABELS["normative_documents"], columns=("made", "repealed", "in_force"),
                caption=_CAP1),
        RowSpec("licensing", _AD_ROW_LABELS["licensing"], columns=("decisions",), caption=_CAP5),
        RowSpec("punishment", _AD_ROW_LABELS["punishment"], columns=("decisions",), caption=_CAP6),
        RowSpec("coercion", _AD_ROW_LABELS["coercion"], columns=("decisions",), caption=_CAP6),
        RowSpec("fees", _AD_ROW_LABELS["fees"], columns=("amount",), caption=_CAP8),
    ),
    columns=(
        ColumnSpec("made", ("本年制发件数", "本年新制发件数", "制发件数")),
        ColumnSpec("repealed", ("本年废止件数", "废止件数")),
        ColumnSpec("in_force", ("现行有效件数", "有效件数")),
        ColumnSpec("decisions", ("本年处理决定数量", "处理决定数量", "本年处理决定数")),
        ColumnSpec("amount", ("本年收费金额（单位：万元）", "本年收费金额", "收费金额（万元）", "收费金额"), kind="money"),
    ),
)

_AD_2019 = TableSpec(
    name="active_disclosure",
    generation="2019",
    rows=(
        RowSpec("regulations", _AD_ROW_LABELS["regulations"], columns=("new_made", "new_published", "total_published"),
                caption=_CAP1),
        RowSpec("normative_documents", _AD_ROW_LABELS["normative_documents"],
                columns=("new_made", "new_published", "total_published"), caption=_CAP1),
        RowSpec("licensing", _AD_ROW_LABELS["licensing"], columns=("prev_items", "change", "decisions"), caption=_CAP5),
        RowSpec("other_services", _AD_ROW_LABELS["other_services"], columns=("prev_items", "change", "decisions"),
                caption=_CAP5),
        RowSpec("punishment", _AD_ROW_LABELS["punishment"], columns=("prev_items", "change", "decisions"), caption=_CAP6),
        RowSpec("coercion", _AD_ROW_LABELS["coercion"], columns=("prev_items", "change", "decisions"), caption=_CAP6),
        RowSpec("fees", _AD_ROW_LABELS["fees"], columns=("prev_items", "change"), caption=_CAP8),
        RowSpec("procurement", _AD_ROW_LABELS["procurement"], columns=("items", "amount"), caption=_CAP9),
    ),
    columns=(
        ColumnSpec("new_made", ("本年新制作数量", "新制作数量")),
        ColumnSpec("new_published", ("本年新公开数量", "新公开数量")),
        ColumnSpec("total_published", ("对外公开总数量", "公开总数量")),
        ColumnSpec("prev_items", ("上一年项目数量", "上年项目数量")),
        ColumnSpec("change", ("本年增/减", "本年增减", "增/减", "增减"), kind="change"),
        ColumnSpec("decisions", ("处理决定数量", "本年处理决定数量")),
        ColumnSpec("items", ("采购项目数量", "项目数量")),
        ColumnSpec("amount", ("采购总金额", "采购金额", "总金额"), kind="money"),
    ),
)

# --- applications (section 三) ------------------------------------------------

_APP_COLUMNS = (
    ColumnSpec("natural_person", ("自然人",)),
    ColumnSpec("commercial_enterprise", ("商业企业", "企业")),
    ColumnSpec("research_institution", ("科研机构",)),
    ColumnSpec("social_welfare_org", ("社会公益组织", "公益组织")),
    ColumnSpec("legal_service_org", ("法律服务机构",)),
    ColumnSpec("other_org", ("其他", "其他组织")),
    ColumnSpec("total", ("总计", "合计")),
)

_APP_GROUPS = (
    GroupSpec("results", ("三、本年度办理结果", "本年度办理结果", "办理结果")),
    GroupSpec("denied", ("（三）不予公开",)),
    GroupSpec("unavailable", ("（四）无法提供",)),
    GroupSpec("not_processed", ("（五）不予处理",)),
)

_APP_HEAD = (
    RowSpec("new_requests", ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量", "本年新收申请数量")),
    RowSpec("carried_over", ("二、上年结转政府信息公开申请数量", "上年结转政府信息公开申请数量", "上年结转申请数量")),
    RowSpec("granted", ("（一）予以公开",), group="results"),
    RowSpec("partially_granted", ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（二）部分公开"), group="results"),
    RowSpec("denied_state_secret", ("1.属于国家秘密", "国家秘密"), group="denied"),
    RowSpec("denied_prohibited_by_law", ("2.其他法律行政法规禁止公开", "法律行政法规禁止公开"), group="denied"),
    RowSpec("denied_endangers_security_stability", ("3.危及“三安全一稳定”", "危及三安全一稳定"), group="denied"),
    RowSpec("denied_third_party_rights", ("4.保护第三方合法权益", "第三方合法权益"), group="denied"),
    RowSpec("denied_internal_affairs", ("5.属于三类内部事务信息", "内部事务信息"), group="denied"),
    RowSpec("denied_process_information", ("6.属于四类过程性信息", "过程性信息"), group="denied"),
    RowSpec("denied_enforcement_case_files", ("7.属于行政执法案卷", "行政执法案卷"), group="denied"),
    RowSpec("denied_administrative_inquiry", ("8.属于行政查询事项", "行政查询事项"), group="denied"),
    RowSpec("unavailable_not_held", ("1.本机关不掌握相关政府信息", "本机关不掌握相关政府信息"), group="unavailable"),
    RowSpec("unavailable_needs_creation", ("2.没有现成信息需要另行制作", "没有现成信息需要另行制作"), group="unavailable"),
    RowSpec("unavailable_unclear_after_correction", ("3.补正后申请内容仍不明确", "补正后申请内容仍不明确"),
            group="unavailable"),
    RowSpec("not_processed_petition", ("1.信访举报投诉类申请", "信访举报投诉类申请"), group="not_processed"),
    RowSpec("not_processed_duplicate", ("2.重复申请",), group="not_processed"),
    RowSpec("not_processed_publication", ("3.要求提供公开出版物", "要求提供公开出版物"), group="not_processed"),
    RowSpec("not_processed_excessive", ("4.无正当理由大量反复申请", "无正当理由大量反复申请"), group="not_processed"),
    RowSpec("not_processed_confirmation", ("5.要求行政机关确认或重新出具已获取信息", "要求行政机关确认或重新出具已获取信息"),
            group="not_processed"),
)

_APP_TAIL = (
    RowSpec("total_handled", ("（七）总计", "总计"), group="results"),
    RowSpec("carried_forward", ("四、结转下年度继续办理", "结转下年度继续办理")),
)

_OTHER_ROWS_2021 = (
    RowSpec("other_no_correction",
            ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "申请人无正当理由逾期不补正"), group="other"),
    RowSpec("other_unpaid_fee",
            ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "申请人逾期未按收费通知要求缴纳费用"),
            group="other"),
    RowSpec("other_other", ("3.其他",), group="other"),
)

_OTHER_PROCESSING = RowSpec("other_processing", ("（六）其他处理", "其他处理"), group="results")

_APP_2021 = TableSpec(
    name="applications",
    generation="2021",
    rows=_APP_HEAD + _OTHER_ROWS_2021 + _APP_TAIL,
    columns=_APP_COLUMNS,
    groups=_APP_GROUPS + (GroupSpec("other", ("（六）其他处理",)),),
    alternates=(
        RowSpec(_OTHER_PROCESSING.key, _OTHER_PROCESSING.labels, group="results",
                replaces=tuple(r.key for r in _OTHER_ROWS_2021)),
    ),
)

_APP_2019 = TableSpec(
    name="applications",
    generation="2019",
    rows=_APP_HEAD + (_OTHER_PROCESSING,) + _APP_TAIL,
    columns=_APP_COLUMNS,
    groups=_APP_GROUPS,
)

# --- review_litigation (section 四) -----------------------------------------

_RL_COLUMNS = (
    ColumnSpec("upheld", ("结果维持", "维持")),
    ColumnSpec("corrected", ("结果纠正", "纠正")),
    ColumnSpec("other", ("其他结果",)),
    ColumnSpec("pending", ("尚未审结", "未审结")),
    ColumnSpec("total", ("总计", "合计")),
)

_RL_ROWS = (
    RowSpec("review", ("行政复议",)),
    RowSpec("litigation_direct", ("未经复议直接起诉", "直接起诉")),
    RowSpec("litigation_after_review", ("复议后起诉",)),
)

TABLE_SPECS: dict[str, dict[str, TableSpec]] = {
    "2021": {
        "active_disclosure": _AD_2021,
        "applications": _APP_2021,
        "review_litigation": TableSpec("review_litigation", "2021", _RL_ROWS, _RL_COLUMNS,
                                      groups=(GroupSpec("litigation", ("行政诉讼",)),)),
    },
    "2019": {
        "active_disclosure": _AD_2019,
        "applications": _APP_2019,
        "review_litigation": TableSpec("review_litigation", "2019", _RL_ROWS, _RL_COLUMNS,
                                      groups=(GroupSpec("litigation", ("行政诉讼",)),)),
    },
}

#: The applicant columns of ``applications`` (all but ``total``), in template order.
APPLICANT_KEYS: tuple[str, ...] = tuple(c.key for c in _APP_COLUMNS if c.key != "total")

#: Section headings (without numbering) that introduce each table.
TABLE_HEADINGS: dict[str, tuple[str, ...]] = {
    "active_disclosure": ("主动公开政府信息情况", "主动公开情况"),
    "applications": ("收到和处理政府信息公开申请情况", "依申请公开政府信息情况", "收到和处理申请情况"),
    "review_litigation": ("政府信息公开行政复议、行政诉讼情况", "政府信息公开行政复议行政诉讼情况", "行政复议、行政诉讼情况"),
}

#: Labels printed by one template generation only (as label keys' sources).
GENERATION_MARKERS: dict[str, tuple[str, ...]] = {
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "其他对外管理服务事项",
             "政府集中采购", "采购项目数量", "采购总金额", "第二十条第（九）项"),
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "申请人无正当理由逾期不补正",
             "申请人逾期未按收费通知要求缴纳费用"),
}

#: Column headers of the pre-2019 统计表 (统计指标 | 单位 | 统计数): a table that prints one is not a template table.
OLD_TABLE_MARKERS: tuple[str, ...] = ("统计指标", "指标名称", "计量单位")
