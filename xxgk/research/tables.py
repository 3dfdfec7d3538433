"""The statistical tables across reports: rates, disputes, rule failures, continuity, figures stated in words.

See :mod:`xxgk.research` for the overview.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "APPLICANTS",
    "application_values",
    "request_metrics",
    "review_metrics",
    "check_failure_rates",
    "carry_over_continuity",
    "NarrativeCount",
    "narrative_request_counts",
    "narrative_vs_table",
]

# ---------------------------------------------------------------------------
# tables

#: The six applicant columns of the ``applications`` table, in order.
APPLICANTS: tuple[str, ...] = ("natural_person", "commercial_enterprise", "research_institution",
                               "social_welfare_org", "legal_service_org", "other_org")
_EMPTY = {"blank", "dash", "none"}
_KNOWN = {"ok", "recovered"} | _EMPTY


def _numeric(cells: pd.DataFrame) -> pd.Series:
    """Cell values with empties as 0 and unknown cells (missing, ambiguous, unreadable) as NaN."""
    status = cells["status"].astype(str)
    value = cells["value"].astype(float)
    value = value.where(~status.isin(_EMPTY), 0.0)
    return value.where(status.isin(_KNOWN), np.nan)


def application_values(cells: pd.DataFrame) -> pd.DataFrame:
    """The ``applications`` table of every report as numbers.

    Parameters
    ----------
    cells : pandas.DataFrame
        The ``cells`` frame of :func:`xxgk.load` (columns ``doc_id``, ``table``,
        ``row``, ``column``, ``value``, ``status``).

    Returns
    -------
    pandas.DataFrame
        Index ``(doc_id, row)``, columns the six :data:`APPLICANTS` and
        ``total``. Empty cells (blank, ``/``, ``无``) are 0; cells whose value
        is unknown (missing, ambiguous, unreadable) are NaN. Where a row's
        总计 is empty or unknown but its applicant cells are all known, ``total``
        is their sum (some reports leave the 总计 column of outcome rows empty).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"doc_id": "d", "table": "applications", "row": "granted",
    ...     "column": list(APPLICANTS) + ["total"], "value": [3, 1, None, None, None, None, None],
    ...     "status": ["ok", "ok"] + ["blank"] * 5})
    >>> application_values(cells).loc[("d", "granted"), ["natural_person", "total"]].tolist()
    [3.0, 4.0]
    """
    import pandas as pd

    cols = [*APPLICANTS, "total"]
    sub = cells[cells["table"] == "applications"]
    if sub.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=["doc_id", "row"]), dtype=float)
    sub = sub.assign(number=_numeric(sub), printed=sub["status"].isin({"ok", "recovered"}))
    wide = sub.pivot_table(index=["doc_id", "row"], columns="column", values="number", aggfunc="first", dropna=False)
    printed = sub.pivot_table(index=["doc_id", "row"], columns="column", values="printed", aggfunc="first")
    wide = wide.reindex(columns=cols)
    total_printed = printed.reindex(columns=["total"])["total"].reindex(wide.index).astype("boolean").fillna(False)
    applicants = wide[list(APPLICANTS)]
    summed = applicants.sum(axis=1, min_count=1).where(applicants.notna().all(axis=1))
    wide["total"] = wide["total"].where(total_printed.to_numpy(dtype=bool), summed)
    wide.columns.name = None
    return wide.astype(float)


_GROUPS = {
    "denied": "denied_",
    "unavailable": "unavailable_",
    "not_processed": "not_processed_",
}


def _row(values: pd.DataFrame, row: str, col: str = "total") -> pd.Series:
    try:
        return values[col].xs(row, level="row")
    except KeyError:
        import pandas as pd

        return pd.Series(dtype=float)


def request_metrics(values: pd.DataFrame) -> pd.DataFrame:
    """Per report, the figures of the ``applications`` table researchers ask for.

    Parameters
    ----------
    values : pandas.DataFrame
        What :func:`application_values` returns.

    Returns
    -------
    pandas.DataFrame
        One row per ``doc_id`` with ``new_requests``, ``carried_over``,
        ``total_handled``, ``carried_forward``, ``granted``,
        ``partially_granted``, ``unavailable_not_held`` and the outcome groups
        ``denied``, ``unavailable``, ``not_processed``, ``other`` (sums of their
        rows, 总计 column), and the rates:

        - ``substantive_rate``: 实质公开率, (granted + partially_granted) / total_handled;
        - ``not_held_rate``: 本机关不掌握 / total_handled;
        - ``denied_rate``: the 不予公开 rows / total_handled;
        - ``backlog_rate``: carried_forward / (new_requests + carried_over).

        A rate whose denominator is 0 or unknown is NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_tuples([("d", r) for r in ("new_requests", "carried_over", "granted",
    ...     "partially_granted", "unavailable_not_held", "total_handled", "carried_forward")], names=["doc_id", "row"])
    >>> v = pd.DataFrame({"total": [10.0, 0, 5, 1, 2, 8, 2]}, index=idx)
    >>> m = request_metrics(v).loc["d"]
    >>> [float(m[k]) for k in ("substantive_rate", "not_held_rate", "backlog_rate")]
    [0.75, 0.25, 0.2]
    """
    import pandas as pd

    docs = values.index.get_level_values("doc_id").unique()
    out = pd.DataFrame(index=pd.Index(docs, name="doc_id"))
    for row in ("new_requests", "carried_over", "total_handled", "carried_forward", "granted", "partially_granted",
                "unavailable_not_held"):
        out[row] = _row(values, row).reindex(out.index)
    rows = values.index.get_level_values("row")
    for group, prefix in _GROUPS.items():
        sel = values[rows.str.startswith(prefix)]["total"]
        out[group] = sel.groupby(level="doc_id").sum(min_count=1).reindex(out.index)
    sel = values[rows.str.startswith("other_")]["total"]
    out["other"] = sel.groupby(level="doc_id").sum(min_count=1).reindex(out.index)

    def rate(num: pd.Series, den: pd.Series) -> pd.Series:
        den = den.where(den > 0)
        return num / den

    out["substantive_rate"] = rate(out["granted"] + out["partially_granted"], out["total_handled"])
    out["not_held_rate"] = rate(out["unavailable_not_held"], out["total_handled"])
    out["denied_rate"] = rate(out["denied"], out["total_handled"])
    out["backlog_rate"] = rate(out["carried_forward"], out["new_requests"] + out["carried_over"])
    return out


def review_metrics(cells: pd.DataFrame, new_requests: pd.Series | None = None) -> pd.DataFrame:
    """Per report, administrative review and litigation (section 四): how many, and how many corrected.

    Parameters
    ----------
    cells : pandas.DataFrame
        The ``cells`` frame of :func:`xxgk.load`.
    new_requests : pandas.Series, optional
        New applications per ``doc_id`` (``request_metrics(...)["new_requests"]``)
        for the disputes-per-application rate.

    Returns
    -------
    pandas.DataFrame
        One row per ``doc_id`` with the review table: ``review_total``,
        ``litigation_total`` (direct + after review), ``disputes`` (their sum),
        ``review_corrected``, ``litigation_corrected``, ``review_concluded`` and
        ``litigation_concluded`` (upheld + corrected + other); the rates
        ``review_correction_rate`` and ``litigation_correction_rate``
        (corrected / concluded) and, with ``new_requests``,
        ``disputes_per_request`` (disputes / new applications).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [("review", "upheld", 3), ("review", "corrected", 1), ("review", "other", 0), ("review", "pending", 1),
    ...         ("review", "total", 5), ("litigation_direct", "total", 2), ("litigation_direct", "upheld", 2)]
    >>> cells = pd.DataFrame([{"doc_id": "d", "table": "review_litigation", "row": r, "column": c, "value": v,
    ...                        "status": "ok"} for r, c, v in rows])
    >>> m = review_metrics(cells, pd.Series({"d": 20.0})).loc["d"]
    >>> [float(m[k]) for k in ("disputes", "review_correction_rate", "disputes_per_request")]
    [7.0, 0.25, 0.35]
    """
    import pandas as pd

    sub = cells[cells["table"] == "review_litigation"]
    sub = sub.assign(number=_numeric(sub))
    wide = sub.pivot_table(index="doc_id", columns=["row", "column"], values="number", aggfunc="first", dropna=False)
    out = pd.DataFrame(index=wide.index)

    def get(block: str, col: str) -> pd.Series:
        return wide[(block, col)] if (block, col) in wide.columns else pd.Series(np.nan, index=wide.index)

    def concluded(block: str) -> pd.Series:
        return get(block, "upheld") + get(block, "corrected") + get(block, "other")

    out["review_total"] = get("review", "total")
    out["litigation_total"] = get("litigation_direct", "total").fillna(0) + get("litigation_after_review", "total").fillna(0)
    out.loc[get("litigation_direct", "total").isna() & get("litigation_after_review", "total").isna(), "litigation_total"] = np.nan
    out["disputes"] = out["review_total"] + out["litigation_total"]
    out["review_corrected"] = get("review", "corrected")
    out["litigation_corrected"] = get("litigation_direct", "corrected").fillna(0) + get("litigation_after_review", "corrected").fillna(0)
    out["review_concluded"] = concluded("review")
    out["litigation_concluded"] = concluded("litigation_direct").fillna(0) + concluded("litigation_after_review").fillna(0)
    out["review_correction_rate"] = out["review_corrected"] / out["review_concluded"].where(out["review_concluded"] > 0)
    out["litigation_correction_rate"] = out["litigation_corrected"] / out["litigation_concluded"].where(
        out["litigation_concluded"] > 0)
    if new_requests is not None:
        den = new_requests.reindex(out.index)
        out["disputes_per_request"] = out["disputes"] / den.where(den > 0)
    return out


def check_failure_rates(checks: pd.DataFrame) -> pd.DataFrame:
    """How often each consistency rule fails, over the checks that could be assessed.

    Parameters
    ----------
    checks : pandas.DataFrame
        The ``checks`` frame of :func:`xxgk.load` (``doc_id``, ``rule``, ``status``).

    Returns
    -------
    pandas.DataFrame
        One row per rule: ``checks`` (all), ``assessed`` (pass + fail),
        ``failed``, ``fail_rate`` (failed / assessed), ``documents`` (with an
        assessed check of the rule), ``documents_failing`` and
        ``document_fail_rate``.

    Examples
    --------
    >>> import pandas as pd
    >>> checks = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "rule": ["A1", "A1", "A1", "R1"],
    ...                        "status": ["pass", "fail", "pass", "not_assessable"]})
    >>> check_failure_rates(checks).loc["A1", ["assessed", "failed", "documents_failing"]].tolist()
    [3, 1, 1]
    """
    import pandas as pd

    c = checks.assign(assessed=checks["status"].isin({"pass", "fail"}), failed=checks["status"].eq("fail"))
    g = c.groupby("rule")
    out = pd.DataFrame({"checks": g.size(), "assessed": g["assessed"].sum(), "failed": g["failed"].sum()})
    out["fail_rate"] = out["failed"] / out["assessed"].where(out["assessed"] > 0)
    per_doc = c[c["assessed"]].groupby(["rule", "doc_id"])["failed"].any()
    out["documents"] = per_doc.groupby(level="rule").size().reindex(out.index).fillna(0).astype(int)
    out["documents_failing"] = per_doc.groupby(level="rule").sum().reindex(out.index).fillna(0).astype(int)
    out["document_fail_rate"] = out["documents_failing"] / out["documents"].where(out["documents"] > 0)
    return out


def carry_over_continuity(metrics: pd.DataFrame, *, body: str = "body", year: str = "year") -> pd.DataFrame:
    """结转下年度 of year *t* against 上年结转 of year *t + 1*, for each body with consecutive reports.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per report with columns ``body``, ``year``,
        ``carried_forward`` and ``carried_over`` (e.g. :func:`request_metrics`
        joined with the documents' body and year). One report per body and year.
    body, year : str
        The column names of the body and the year.

    Returns
    -------
    pandas.DataFrame
        One row per pair of consecutive years: ``body``, ``year``,
        ``carried_forward`` (of ``year``), ``next_carried_over`` (of
        ``year + 1``), and ``continuous`` (True, False, or NA when either is unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"body": ["x", "x", "x"], "year": [2021, 2022, 2023],
    ...                   "carried_forward": [1, 0, 2], "carried_over": [0, 1, 3]})
    >>> carry_over_continuity(m)[["year", "continuous"]].values.tolist()
    [[2021, True], [2022, False]]
    """
    import pandas as pd

    key = metrics[[body, year, "carried_forward", "carried_over"]].dropna(subset=[body, year])
    if key.duplicated([body, year]).any():
        dup = key[key.duplicated([body, year], keep=False)][[body, year]].drop_duplicates().values.tolist()
        raise ValueError(f"carry_over_continuity needs one report per body and year; these have several: {dup}. "
                         "Keep one copy of each report first.")
    nxt = key.assign(**{year: key[year] - 1}).rename(columns={"carried_over": "next_carried_over"})
    pairs = key.merge(nxt[[body, year, "next_carried_over"]], on=[body, year])
    cont = pairs["carried_forward"] == pairs["next_carried_over"]
    known = pairs["carried_forward"].notna() & pairs["next_carried_over"].notna()
    pairs["continuous"] = pd.array([bool(c) if k else pd.NA for c, k in zip(cont, known)], dtype="boolean")
    return pairs[[body, year, "carried_forward", "next_carried_over", "continuous"]].sort_values(
        [body, year], ignore_index=True)


# ---------------------------------------------------------------------------
# figures stated in the text

_NUM = r"(\d+)\s*(?:件|个|条)"
_PUNCT = ",，;；。:：!！?？"
_NARRATIVE = [
    # 共收到和受理政府信息公开申请6件 / 收到公民、法人和其他组织政府信息公开申请共19件
    re.compile(rf"(?:收到|受理|接收|接到)[^{_PUNCT}]{{0,30}}?申请[^{_PUNCT}\d]{{0,4}}?{_NUM}"),
    # 共收到70件申请 / 收到政府信息公开申请75件
    re.compile(rf"(?:收到|受理|接收|接到)[^{_PUNCT}\d]{{0,6}}?{_NUM}[^{_PUNCT}\d]{{0,10}}?申请"),
    # 办理依申请公开文件数224件 / 受理依申请信息公开1件
    re.compile(rf"(?:收到|受理|办理)依申请[^{_PUNCT}\d]{{0,12}}?{_NUM}"),
]
_NOT_REQUESTS = re.compile(r"复议|诉讼|审批|窗口|许可|办件|投诉|信访|咨询")
# said just before the count: the applications are to an approval or service centre
_NOT_REQUESTS_BEFORE = re.compile(r"审批|窗口|许可|办件|政务服务|服务中心|服务大厅")


@dataclass(frozen=True)
class NarrativeCount:
    """A number of applications a sentence states (共受理申请81件), with the words that state it."""

    value: int
    phrase: str


def narrative_request_counts(text: str) -> list[NarrativeCount]:
    """The numbers of information requests a sentence states in words.

    Phrases about review, litigation, approvals, petitions or consultations
    (行政复议申请, 审批窗口受理申请…), and counts that follow words about
    approval or service centres in the same sentence, are not counts of
    information requests and are skipped.

    Examples
    --------
    >>> [c.value for c in narrative_request_counts("本年度全区共收到70件申请,及时依法依规办结69件。")]
    [70]
    >>> [c.value for c in narrative_request_counts("2021年,共收到和受理政府信息公开申请6件,均按时办结。")]
    [6]
    >>> narrative_request_counts("开设窗口26个,共受理申请121510件。")
    []
    """
    out: list[tuple[int, NarrativeCount]] = []
    seen: set[tuple[int, int]] = set()
    for pattern in _NARRATIVE:
        for m in pattern.finditer(text):
            phrase = m.group(0)
            if _NOT_REQUESTS.search(phrase) or _NOT_REQUESTS_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
                continue
            span = m.span(1)
            if span in seen:
                continue
            seen.add(span)
            out.append((span[0], NarrativeCount(int(m.group(1)), phrase)))
    return [c for _, c in sorted(out, key=lambda x: x[0])]


def narrative_vs_table(sentences: pd.DataFrame, metrics: pd.DataFrame,
                       sections: Iterable[str] = ("overview", "applications")) -> pd.DataFrame:
    """The number of applications each report states in words, against its table.

    Parameters
    ----------
    sentences : pandas.DataFrame
        The ``sentences`` frame of :func:`xxgk.load` (``doc_id``, ``section``, ``text``).
    metrics : pandas.DataFrame
        :func:`request_metrics`, indexed by ``doc_id``.
    sections : iterable of str
        Where to look for the statement; the first one found in document order is used.

    Returns
    -------
    pandas.DataFrame
        One row per report that has both: ``doc_id``, ``stated``, ``sentence``,
        ``new_requests``, ``total_handled``, ``with_carried_over``
        (new_requests + carried_over) and ``agrees_with``: ``"new_requests"``,
        ``"total_handled"``, ``"new + carried_over"`` (the first that equals
        the stated number), ``"none"``, or ``"table unknown"`` when the
        table's counts could not be read.
    """
    import pandas as pd

    sel = sentences[sentences["section"].isin(list(sections))].sort_values(["doc_id", "index"])
    rows = []
    for doc_id, group in sel.groupby("doc_id", sort=False):
        if doc_id not in metrics.index:
            continue
        for text in group["text"]:
            counts = narrative_request_counts(str(text))
            if counts:
                m = metrics.loc[doc_id]
                stated = counts[0].value
                with_co = m["new_requests"] + m["carried_over"]
                agrees = "none" if pd.notna(m["new_requests"]) or pd.notna(m["total_handled"]) else "table unknown"
                for name, v in (("new_requests", m["new_requests"]), ("total_handled", m["total_handled"]),
                                ("new + carried_over", with_co)):
                    if pd.notna(v) and v == stated:
                        agrees = name
                        break
                rows.append({"doc_id": doc_id, "stated": stated, "sentence": str(text),
                             "new_requests": m["new_requests"], "total_handled": m["total_handled"],
                             "with_carried_over": with_co, "agrees_with": agrees})
                break
    cols = ["doc_id", "stated", "sentence", "new_requests", "total_handled", "with_carried_over", "agrees_with"]
    return pd.DataFrame(rows, columns=cols)
