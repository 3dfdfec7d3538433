"""The language of reports: specific or generic problems, enumerations, copied text, sentence embeddings.

See :mod:`xxgk.research` for the overview.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AREAS",
    "THEMES",
    "Specificity",
    "problem_specificity",
    "split_items",
    "themes_of",
    "shingles",
    "shingle_similarity",
    "similarity_matrix",
    "reused_sentences",
    "recurring_items",
    "Embeddings",
    "sentence_vectors",
    "best_matches",
    "strip_scaffolding",
]

# ---------------------------------------------------------------------------
# problem sentences: specific or generic

#: Areas of disclosure work a problem can name, English name → Chinese terms.
#: A problem that names one of them says *where* the shortcoming is.
AREAS: dict[str, tuple[str, ...]] = {
    "policy interpretation": ("政策解读", "解读"),
    "key areas": ("重点领域",),
    "decision-making": ("重大行政决策", "决策预公开", "决策公开", "预公开", "意见征集", "征求意见", "公众参与"),
    "budgets and finance": ("预决算", "预算", "决算", "财政", "三公经费"),
    "projects": ("重点项目", "重大项目", "建设项目"),
    "applications": ("依申请", "申请", "答复"),
    "website": ("网站", "门户", "栏目", "专栏"),
    "new media": ("新媒体", "微信", "微博", "公众号", "客户端"),
    "platforms and interaction": ("平台", "互动", "留言", "在线咨询", "热线", "查阅点", "智能搜索", "APP"),
    "normative documents": ("规范性文件", "文件清理"),
    "data": ("数据开放", "开放数据", "数据发布"),
    "guides and catalogues": ("公开指南", "公开目录", "信息目录"),
    "classification": ("属性",),
    "grassroots": ("基层政务公开", "基层公开", "村务", "社区"),
    "review and litigation": ("行政复议", "行政诉讼", "复议", "诉讼"),
    "public institutions": ("高校", "学校", "医院", "公共企事业单位"),
}

#: Themes of problems (the areas plus the generic concerns reports repeat),
#: English name → Chinese terms; used to follow problems across years.
THEMES: dict[str, tuple[str, ...]] = {
    **AREAS,
    "staffing": ("人员", "队伍", "编制", "兼职", "借调", "流动"),
    "awareness": ("意识", "主动性", "自觉性", "重视", "认识"),
    "mechanisms and rules": ("机制", "制度", "考核", "督查", "规范程度", "不够规范"),
    "forms and channels": ("形式", "渠道", "载体", "方式"),
    "depth and scope": ("深度", "广度", "范围", "全流程", "细化", "不够深化", "有待拓展"),
    "timeliness": ("及时", "更新", "滞后"),
}

# A number that says something: a count, amount or share, not a year, a date or a list marker.
_NUMBER = re.compile(
    r"(?<![\d.])(?!\d{4}年)\d+(?:\.\d+)?(?![\d.、])(?:\s*(?:%|％|个|件|条|家|次|项|名|人|篇|期|户|场|所|天|日|小时|万|亿|余))?"
    r"|[两二三四五六七八九十百千万]+(?:个|件|条|家|次|项|名|篇|期|户|场|所)"
)
# A named unit: an optional place, then a name ending in a kind of body.
_UNIT = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:委员会|管委会|办公室|局|厅|中心|街道|乡|镇)")
_UNIT_PREFIX = re.compile(r"^(?:由|对|在|向|将|与|和|及|为|把|被|从|经|据|是)+")
_GENERIC_UNIT = re.compile(r"部分|个别|各|少数|一些|有的|相关|有关|其他|其它|多数|本|我|全|乡镇|格局|布局|结局|大局|当局|为中心|由办公室|办公室人员")


@dataclass(frozen=True)
class Specificity:
    """What a problem sentence names.

    Attributes
    ----------
    areas : tuple of str
        Names of :data:`AREAS` the text mentions.
    numbers : tuple of str
        Counts, amounts or shares in the text (years, dates and list markers excluded).
    units : tuple of str
        Named bodies (区教育局, 某某街道); generic ones (部分单位, 各乡镇) are not units.
    """

    areas: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    @property
    def specific(self) -> bool:
        """True when the text names at least one area, number or unit."""
        return bool(self.areas or self.numbers or self.units)

    @property
    def kind(self) -> str:
        """``"generic"``, or what it names joined by ``+`` (``"area"``, ``"area+number"``, …)."""
        parts = [name for name, found in (("area", self.areas), ("number", self.numbers), ("unit", self.units)) if found]
        return "+".join(parts) if parts else "generic"


def problem_specificity(
    text: str, areas: Mapping[str, Sequence[str]] | None = None, *, self_names: Iterable[str] = ()
) -> Specificity:
    """Say whether a problem names an area, a number or a unit, or is generic.

    Parameters
    ----------
    text : str
        A sentence (simplified characters, as in the ``sentences`` frame).
    areas : mapping, optional
        Area name → terms; default :data:`AREAS`.
    self_names : iterable of str
        Names of the reporting body: a unit found inside one of them (省教育厅
        in a report of 河北省教育厅) is the body speaking of itself, not a unit
        the problem singles out.

    Returns
    -------
    Specificity

    Examples
    --------
    >>> problem_specificity("主动公开意识有待增强。").kind
    'generic'
    >>> problem_specificity("政策解读形式不够丰富。").areas
    ('policy interpretation',)
    >>> s = problem_specificity("区教育局2023年有3件申请超期答复。")
    >>> s.kind, s.numbers, s.units
    ('area+number+unit', ('3件',), ('区教育局',))
    >>> problem_specificity("部分单位信息公开工作不够及时。").units
    ()
    >>> problem_specificity("省教育厅政务公开工作仍存在不足。", self_names=["河北省教育厅"]).units
    ()
    """
    lexicon = AREAS if areas is None else areas
    found_areas = tuple(name for name, terms in lexicon.items() if any(t in text for t in terms))
    numbers = tuple(m.group(0).strip() for m in _NUMBER.finditer(text))
    selves = [n for n in self_names if n]
    units = []
    for m in _UNIT.finditer(text):
        unit = _UNIT_PREFIX.sub("", m.group(0))
        if len(unit) < 3 or _GENERIC_UNIT.search(unit) or any(unit in n or n in unit for n in selves):
            continue
        units.append(unit)
    return Specificity(found_areas, numbers, tuple(units))


_ITEM_SPLIT = re.compile(
    r"[;；]"  # clauses of a list
    r"|(?=[一二三四五六七八九十]是)"  # 一是 … 二是 …
    r"|(?=[(（][一二三四五六七八九十\d]+[)）])"  # （一） …
    r"|(?<![\d.])(?=\d+[.、．](?!\d))"  # 1. / 1、 (not 1.5)
)
_HEADING = re.compile(
    r"^[一二三四五六七八九十]+[、.．][^,，。:：]{0,30}?(?:改进情况|改进措施|工作措施|整改措施|下步打算|下一步打算|工作打算)"
)
_LEAD_IN = re.compile(
    r"^.*?(?:以下(?:几个)?(?:问题|方面|不足)|问题(?:和不足)?主要有|主要(?:存在|有|是))[^:：]*[:：]"  # 存在以下问题：
    r"|^[^:：]*[:：](?=\s*(?:[一二三四五六七八九十]是|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．](?!\d)))"  # …不足：一是
)


def split_items(text: str, min_chars: int = 4) -> list[str]:
    """Cut an enumerated sentence (一是…；二是…, （一）…, 1.…) into its items.

    A section heading glued to the front (五、存在的主要问题及改进情况…) and a
    lead-in that ends in a colon (存在以下问题：, or any text before a colon
    that opens a list: …问题和不足：一是…) are dropped; items shorter
    than ``min_chars`` characters (after stripping punctuation) are dropped.

    Examples
    --------
    >>> split_items("存在以下问题:一是政策解读形式单一;二是部分栏目更新不及时。")
    ['政策解读形式单一', '部分栏目更新不及时']
    >>> split_items("主动公开意识有待增强。")
    ['主动公开意识有待增强']
    >>> split_items("五、存在的主要问题及改进情况")
    []
    """
    body = _LEAD_IN.sub("", _HEADING.sub("", text.strip(), count=1), count=1)
    items = []
    for part in _ITEM_SPLIT.split(body):
        part = re.sub(r"^(?:[一二三四五六七八九十]是|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．](?!\d))", "", part.strip())
        part = part.strip(" ,，。.;；:：、")
        if len(part) >= min_chars:
            items.append(part)
    return items


def themes_of(text: str, themes: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The names of the themes (default :data:`THEMES`) whose terms occur in ``text``.

    >>> themes_of("信息公开人员流动性大,政策解读形式单一")
    ['policy interpretation', 'staffing', 'forms and channels']
    """
    lexicon = THEMES if themes is None else themes
    return [name for name, terms in lexicon.items() if any(t in text for t in terms)]


# ---------------------------------------------------------------------------
# copied text: character n-gram similarity

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """The set of character ``n``-grams of ``text`` with white space and punctuation removed.

    >>> sorted(shingles("公开,公开", n=2))
    ['公开', '开公']
    """
    s = _STRIP.sub("", text)
    if len(s) < n:
        return frozenset([s]) if s else frozenset()
    return frozenset(s[i : i + n] for i in range(len(s) - n + 1))


def shingle_similarity(a: str, b: str, n: int = 3) -> float:
    """Jaccard similarity of the character ``n``-gram sets of two texts (0 to 1).

    >>> shingle_similarity("进一步加强政策解读工作。", "进一步加强政策解读工作")
    1.0
    >>> shingle_similarity("加强培训", "丰富形式")
    0.0
    """
    sa, sb = shingles(a, n), shingles(b, n)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def similarity_matrix(a: Sequence[str], b: Sequence[str], n: int = 3) -> np.ndarray:
    """Pairwise :func:`shingle_similarity` of two lists of texts, shape ``(len(a), len(b))``."""
    sa = [shingles(t, n) for t in a]
    sb = [shingles(t, n) for t in b]
    out = np.zeros((len(sa), len(sb)), dtype=float)
    for i, x in enumerate(sa):
        if not x:
            continue
        for j, y in enumerate(sb):
            if y:
                inter = len(x & y)
                if inter:
                    out[i, j] = inter / (len(x) + len(y) - inter)
    return out


def reused_sentences(
    previous: Sequence[str], current: Sequence[str], *, threshold: float = 0.6, min_chars: int = 10, n: int = 3
) -> pd.DataFrame:
    """For each sentence of a report, its most similar sentence in an earlier report, and whether it is reused.

    Parameters
    ----------
    previous, current : sequence of str
        The sentences of the earlier and of the later report.
    threshold : float, default 0.6
        Character ``n``-gram Jaccard similarity at or above which a sentence
        counts as reused (a copy, or a copy with a few words changed).
    min_chars : int, default 10
        Sentences shorter than this (headings, 无。) are left out: they repeat
        in every report of a template.
    n : int, default 3
        The n-gram length.

    Returns
    -------
    pandas.DataFrame
        One row per kept sentence of ``current``: ``text``, ``chars``,
        ``best_previous``, ``similarity`` and ``reused``.

    Examples
    --------
    >>> df = reused_sentences(["我区进一步加强政府信息公开培训工作。"],
    ...                       ["我区进一步加强政府信息公开培训工作。", "今年新建政务公开专区三个。"])
    >>> df["reused"].tolist()
    [True, False]
    """
    import pandas as pd

    if not (isinstance(threshold, (int, float)) and 0 < threshold <= 1):
        raise ValueError(f"The 'threshold' parameter of reused_sentences must be a float in (0, 1]. Got {threshold!r} instead.")
    prev = [t for t in previous if len(_STRIP.sub("", t)) >= min_chars]
    cur = [t for t in current if len(_STRIP.sub("", t)) >= min_chars]
    cols = ["text", "chars", "best_previous", "similarity", "reused"]
    if not cur:
        return pd.DataFrame(columns=cols)
    sim = similarity_matrix(cur, prev, n) if prev else np.zeros((len(cur), 0))
    best = sim.argmax(axis=1) if prev else np.zeros(len(cur), dtype=int)
    score = sim.max(axis=1) if prev else np.zeros(len(cur))
    return pd.DataFrame({
        "text": cur,
        "chars": [len(_STRIP.sub("", t)) for t in cur],
        "best_previous": [prev[i] if prev else None for i in best],
        "similarity": score,
        "reused": score >= threshold,
    })[cols]


def recurring_items(
    items: pd.DataFrame, *, threshold: float = 0.5, min_years: int = 3, n: int = 3, year: str = "year", text: str = "text"
) -> pd.DataFrame:
    """Groups of near-identical texts that come back in at least ``min_years`` different years.

    Two items of different years are linked when their character ``n``-gram
    Jaccard similarity is at least ``threshold``; a group is a connected set
    of links.

    Parameters
    ----------
    items : pandas.DataFrame
        One row per text, with a year column and a text column.
    threshold, min_years, n
        See above.
    year, text : str
        The column names.

    Returns
    -------
    pandas.DataFrame
        One row per group, most years first: ``years`` (sorted list),
        ``n_years``, ``first_year``, ``last_year``, ``example`` (the text of
        the group's latest year) and ``size`` (items in the group).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"year": [2011, 2012, 2013, 2013],
    ...                    "text": ["信息公开工作人员流动性较大", "信息公开工作人员流动性大",
    ...                             "信息公开工作人员流动性较大", "政策解读形式单一"]})
    >>> recurring_items(df)[["years", "n_years"]].values.tolist()
    [[[2011, 2012, 2013], 3]]
    """
    import pandas as pd

    texts = items[text].astype(str).tolist()
    years = items[year].tolist()
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sim = similarity_matrix(texts, texts, n)
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if years[i] != years[j] and sim[i, j] >= threshold:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    rows = []
    for members in groups.values():
        ys = sorted({years[i] for i in members})
        if len(ys) < min_years:
            continue
        latest = max(members, key=lambda i: (years[i], -i))
        rows.append({"years": ys, "n_years": len(ys), "first_year": ys[0], "last_year": ys[-1],
                     "example": texts[latest], "size": len(members)})
    cols = ["years", "n_years", "first_year", "last_year", "example", "size"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["n_years", "size", "last_year"], ascending=False, ignore_index=True)


# ---------------------------------------------------------------------------
# sentence embeddings


@dataclass
class Embeddings:
    """Unit-length sentence vectors and how they were made.

    Attributes
    ----------
    vectors : numpy.ndarray
        Shape ``(n_texts, dim)``, each row of length 1, so a dot product is a cosine.
    method : str
        ``"model"`` (the model's base encoder, mean-pooled) or ``"tfidf"``
        (TF-IDF of character 1- to 3-grams fitted on the texts given).
    note : str
        One line saying which method was used and why.
    """

    vectors: np.ndarray
    method: str
    note: str


@lru_cache(maxsize=1)
def _model_encoder() -> Any:
    """A function texts → vectors from the model's base encoder, or None when the base is not fetched."""
    from ..neural import base

    encode = getattr(base, "encode", None)
    if callable(encode):
        return encode
    if not base.base_available():
        return None
    import torch

    from ..neural.encoder import load_base, pad_ids

    bert, tokenizer = load_base(base.base_path())  # xxgk's BERT modules: no transformers import

    @torch.no_grad()
    def _encode(texts: Sequence[str], batch: int = 64, max_tokens: int = 128) -> np.ndarray:
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch):
            idx = order[k : k + batch]
            tokens, real = pad_ids(tokenizer([texts[i] for i in idx], truncation=True, max_length=max_tokens)["input_ids"])
            hidden = bert(input_ids=tokens, attention_mask=real, token_type_ids=torch.zeros_like(tokens))
            mask = real.unsqueeze(-1).to(hidden.dtype)
            out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0), idx))
        vecs = np.zeros((len(texts), bert.config.hidden_size), dtype=np.float32)
        for v, idx in out:
            vecs[idx] = v.numpy()
        return vecs

    return _encode


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def _finish(vectors: np.ndarray, center: bool) -> np.ndarray:
    if center and len(vectors) > 1:
        vectors = vectors - vectors.mean(axis=0, keepdims=True)
    return _unit_rows(vectors)


_SCAFFOLD = re.compile(
    r"^(?:\d{4}年度?[,，]?|[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+是|\d+[、.．](?!\d)"
    r"|下一步[,，]?|同时[,，]?|目前[,，]?|此外[,，]?|另外[,，]?)+"
)


def strip_scaffolding(text: str) -> str:
    """A sentence without the words every report opens sentences with (the year, 一是, （二）, 下一步, 同时).

    They make unrelated sentences look alike to any similarity measure.

    >>> strip_scaffolding("2022年,二是丰富政策解读形式。")
    '丰富政策解读形式。'
    """
    return _SCAFFOLD.sub("", text.strip())


def sentence_vectors(texts: Sequence[str], method: str = "auto", *, center: bool = True) -> Embeddings:
    """Embed sentences for similarity search.

    Parameters
    ----------
    texts : sequence of str
        All the sentences to compare (queries and candidates together, so
        TF-IDF shares one vocabulary).
    method : {"auto", "model", "tfidf"}, default "auto"
        ``"model"`` uses the model's base encoder (``xxgk.neural.base.encode``
        when the package provides it, else the fetched m3e-small weights,
        mean-pooled) and raises when the base is not fetched; ``"tfidf"`` uses
        TF-IDF of character 1- to 3-grams; ``"auto"`` takes the model when it
        is there and TF-IDF otherwise.
    center : bool, default True
        Subtract the mean vector of ``texts`` before scaling to unit length.
        Raw encoder vectors of texts from one domain share a large common
        direction that makes every pair look alike (cosines around 0.9);
        centring leaves what tells the texts apart.

    Returns
    -------
    Embeddings
        Unit vectors, the method used, and a note saying so.

    Examples
    --------
    >>> e = sentence_vectors(["加强政策解读", "丰富政策解读形式", "新建政务公开专区"], method="tfidf")
    >>> e.method, e.vectors.shape[0], bool(e.vectors[0] @ e.vectors[1] > e.vectors[0] @ e.vectors[2])
    ('tfidf', 3, True)
    """
    if method not in ("auto", "model", "tfidf"):
        raise ValueError(f"The 'method' parameter of sentence_vectors must be 'auto', 'model' or 'tfidf'. Got {method!r} instead.")
    texts = [str(t) for t in texts]
    if method in ("auto", "model"):
        encode = _model_encoder()
        if encode is not None:
            raw = encode(texts)
            vecs = raw.detach().cpu().numpy() if hasattr(raw, "detach") else np.asarray(raw)
            return Embeddings(_finish(vecs.astype(np.float32), center), "model",
                              "Sentence vectors from the model's base encoder (m3e-small, mean-pooled).")
        if method == "model":
            from ..neural.base import require_base

            require_base()  # raises BaseModelMissingError naming the fetch command
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    mat = vec.fit_transform(texts) if texts else None
    vectors = _finish(mat.toarray(), center) if mat is not None else np.zeros((0, 0))
    note = ("The model's base weights are not fetched (`xxgk models fetch-base`): "
            "sentence vectors fall back to TF-IDF of character 1- to 3-grams.")
    if method == "tfidf":
        note = "Sentence vectors from TF-IDF of character 1- to 3-grams (asked for)."
    return Embeddings(vectors, "tfidf", note)


def best_matches(queries: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and cosine of each query vector's most similar candidate (unit vectors in, as :func:`sentence_vectors` gives).

    Returns ``(index, score)``; with no candidates, index is -1 and score NaN.

    >>> q = np.array([[1.0, 0.0]]); c = np.array([[0.0, 1.0], [0.6, 0.8]])
    >>> best_matches(q, c)
    (array([1]), array([0.6]))
    """
    if len(candidates) == 0:
        return np.full(len(queries), -1), np.full(len(queries), np.nan)
    sim = queries @ candidates.T
    return sim.argmax(axis=1), sim.max(axis=1)
