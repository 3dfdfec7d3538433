"""The shipped model on the layouts of ``report-format.md`` section 2.1, written out as small reports.

Each case is a layout the spec settles, in the template's own wording: what
the gold would say of every line. They pin the model where a recipe that
scores as well or better in cross-validation can still break the spec: the
v2 feature set (2026-12-06) scored higher on the shared gold and put the
2019 template's overview sub-parts into their own sections. The weights
shipped since 2026-12-07 (v2, with section 2.1's reading of the hierarchy in
the heading prior) pass all three; the earlier v1 weights failed the older
gathered layout.
"""

from __future__ import annotations

import warnings

import pytest

from xxgk.neural.base import base_available
from xxgk.neural.store import DEFAULT_MODEL_DIR

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not base_available() or not (DEFAULT_MODEL_DIR / "weights.safetensors").is_file(),
                       reason="needs the base model (`make fetch-base`) and the shipped weights in models/xxgk-sections-tags"),
]

#: The 2019/2021 template: 一、总体情况 has sub-parts named after the later parts, which the report also has.
#: "They stay in `overview`" (section 2.1), and so does a sentence there that mentions requests.
TEMPLATE_2019 = [
    ("一、总体情况", "overview"),
    ("（一）主动公开", "overview"),
    ("全年主动公开信息100条。", "overview"),
    ("（二）依申请公开", "overview"),
    ("全年共受理申请6件，均按时办结。", "overview"),
    ("二、主动公开政府信息情况", "active_disclosure"),
    ("见下表。", "active_disclosure"),
    ("三、收到和处理政府信息公开申请情况", "applications"),
    ("见下表。", "applications"),
    ("四、政府信息公开行政复议、行政诉讼情况", "review_litigation"),
    ("无。", "review_litigation"),
    ("五、存在的主要问题及改进情况", "problems_improvements"),
    ("公开意识有待增强。", "problems_improvements"),
    ("六、其他需要报告的事项", "other_matters"),
    ("无。", "other_matters"),
]

#: Only the first and last parts: the overview's sentence about requests is still `overview`.
FIRST_AND_LAST = [
    ("一、总体情况", "overview"),
    ("2021年，共受理申请6件。", "overview"),
    ("六、其他需要报告的事项", "other_matters"),
    ("无。", "other_matters"),
]

#: An older layout that gathers several template parts under one heading and has no part of its own for
#: them: "each sub-part goes to its own section".
OLDER_GATHERED = [
    ("一、概述", "overview"),
    ("2012年，我局认真贯彻落实《政府信息公开条例》。", "overview"),
    ("二、公开政府信息情况", "overview"),
    ("（一）主动公开情况", "active_disclosure"),
    ("全年主动公开政府信息120条。", "active_disclosure"),
    ("（二）依申请公开情况", "applications"),
    ("全年共收到政府信息公开申请5件，均已按时答复。", "applications"),
    ("（三）行政复议及行政诉讼情况", "review_litigation"),
    ("全年未发生因政府信息公开引起的行政复议和行政诉讼。", "review_litigation"),
    ("三、存在的问题及改进措施", "problems_improvements"),
    ("信息公开的及时性有待提高。", "problems_improvements"),
    ("四、其他需要报告的事项", "other_matters"),
    ("无。", "other_matters"),
]


def _sections(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    import xxgk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few lines are not enough to look like a whole report
        report = xxgk.analyze("\n".join(t for t, _ in lines), system="model", tables=False)
    assert len(report.sentences) == len(lines), [s.text for s in report.sentences]
    return [(t, s.section) for (t, _), s in zip(lines, report.sentences)]


@pytest.mark.parametrize("lines", [TEMPLATE_2019, FIRST_AND_LAST], ids=["template-2019", "first-and-last"])
def test_the_overview_keeps_what_its_sub_parts_say(lines):
    assert _sections(lines) == lines


def test_an_older_layout_sends_each_gathered_sub_part_to_its_own_section():
    assert _sections(OLDER_GATHERED) == OLDER_GATHERED
