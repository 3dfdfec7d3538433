"""Page images: loading (PNG, JPEG, TIFF with several pages), stamp removal, orientation and deskew, rulings.

Everything here works on RGB ``uint8`` arrays (H x W x 3) and needs OpenCV
(``opencv-python-headless``, part of the ``ocr`` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from io import BytesIO

import numpy as np

from .engine import EngineMissing, OCREngine

__all__ = ["PageImage", "load_images", "drop_red", "upright", "ruling_edges", "IMAGE_MAGIC"]

#: Leading bytes of the image formats read: PNG, JPEG, TIFF (both byte orders).
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def _cv2():
    try:
        import cv2
    except ImportError as err:
        raise EngineMissing(str(err)) from err
    return cv2


@dataclass
class PageImage:
    """One page image with its resolution (dots per inch; ``None`` when the file does not say)."""

    pixels: np.ndarray
    dpi: float | None = None


def load_images(data: bytes) -> list[PageImage]:
    """Every frame of a PNG, JPEG or (multi-page) TIFF as an RGB array.

    Raises
    ------
    ValueError
        The bytes are not an image Pillow can decode (the message says why).
    """
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(BytesIO(data))
        out: list[PageImage] = []
        for frame in ImageSequence.Iterator(im):
            dpi = frame.info.get("dpi") or im.info.get("dpi")
            d = float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) > 30 else None
            rgb = ImageOps.exif_transpose(frame.convert("RGB")) if frame.format == "JPEG" else frame.convert("RGB")
            out.append(PageImage(np.asarray(rgb, dtype=np.uint8).copy(), d))
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(f"the image cannot be decoded ({type(err).__name__}: {err})") from err
    return out


def drop_red(img: np.ndarray) -> np.ndarray:
    """Whiten red ink (seals and stamps over the text), keeping black text under it.

    A pixel is red ink when its red channel exceeds both others by a margin.
    Its grey level becomes its green-blue level divided by the stamp's own
    (the median over the page's red pixels, most of which are stamp over bare
    paper), the usual divide-by-background cleaning: stamp over paper turns
    white, and black text under the stamp, which the stamp's ink (whether
    multiplied or painted over the page) leaves far darker in green and blue
    than the stamp alone, turns dark again instead of the light grey of its
    red channel.
    """
    r = img[..., 0].astype(np.int16)
    g = img[..., 1].astype(np.int16)
    b = img[..., 2].astype(np.int16)
    red = (r - np.maximum(g, b)) > 50
    if not red.any():
        return img
    gb = np.minimum(g, b)[red].astype(np.float32)
    level = np.clip(gb * 255.0 / max(float(np.median(gb)), 1.0), 0, 255).astype(np.uint8)
    out = img.copy()
    out[red] = level[:, None]
    return out


def _small(img: np.ndarray, max_side: int = 1280) -> tuple[np.ndarray, float]:
    cv2 = _cv2()
    h, w = img.shape[:2]
    f = min(1.0, max_side / max(h, w))
    if f >= 1.0:
        return img, 1.0
    return cv2.resize(img, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA), f


def _box_geometry(quads: list[np.ndarray]) -> tuple[int, int, list[float]]:
    """(wide boxes, tall boxes, skew angles in degrees of the wide ones)."""
    wide = tall = 0
    angles: list[float] = []
    for q in quads:
        q = np.asarray(q, dtype=float).reshape(4, 2)
        w = float(np.hypot(*(q[1] - q[0])))
        h = float(np.hypot(*(q[3] - q[0])))
        if w >= 2.5 * h:
            wide += 1
            dx, dy = q[1] - q[0]
            angles.append(math.degrees(math.atan2(dy, dx)))
        elif h >= 2.5 * w:
            tall += 1
    return wide, tall, angles


def _rotate(img: np.ndarray, quarter_turns: int) -> np.ndarray:
    """Turn clockwise by 90 degrees ``quarter_turns`` times."""
    return np.ascontiguousarray(np.rot90(img, k=-quarter_turns % 4))


def _upside_down(img: np.ndarray, quads: list[np.ndarray], engine: OCREngine, scale: float) -> bool:
    """Whether the text reads better turned 180 degrees (recognition confidence on a few long lines)."""
    boxes = []
    for q in quads:
        q = np.asarray(q, dtype=float).reshape(4, 2) / scale
        x0, y0 = q.min(axis=0)
        x1, y1 = q.max(axis=0)
        if x1 - x0 >= 4 * (y1 - y0):
            boxes.append((x1 - x0, int(x0), int(y0), int(x1), int(y1)))
    boxes.sort(reverse=True)
    up = down = 0.0
    for _, x0, y0, x1, y1 in boxes[:4]:
        crop = img[max(y0 - 2, 0): y1 + 2, max(x0 - 2, 0): x1 + 2]
        if crop.size == 0:
            continue
        for turned in (False, True):
            piece = _rotate(crop, 2) if turned else crop
            read_line = getattr(engine, "read_line", None)
            if read_line is not None:
                text, score = read_line(piece)
                s = score * len(text)
            else:
                s = sum(ln.score * len(ln.text) for ln in engine.recognize(_pad(piece)))
            if turned:
                down += s
            else:
                up += s
    return down > up * 1.15


def _pad(img: np.ndarray, px: int = 24) -> np.ndarray:
    return np.pad(img, ((px, px), (px, px), (0, 0)), constant_values=255)


def upright(img: np.ndarray, engine: OCREngine) -> tuple[np.ndarray, int, float]:
    """Turn a page image upright and straighten it.

    Text lines are found on a reduced copy: lines taller than wide mean the
    page lies on its side (turned 90 degrees), the slope of the wide lines is
    the skew, and recognition confidence on a few long lines, read both ways,
    tells upright from upside down.

    Returns
    -------
    image : ndarray
        The corrected page.
    rotation : int
        Clockwise degrees the page was turned by (0, 90, 180 or 270).
    skew : float
        Degrees of skew removed.
    """
    cv2 = _cv2()
    small, f = _small(img)
    quads = engine.detect(small)
    wide, tall, _ = _box_geometry(quads)
    turns = 0
    if tall > wide and tall >= 3:
        turns = 1
        img = _rotate(img, 1)
        small, f = _small(img)
        quads = engine.detect(small)
    if _upside_down(img, quads, engine, f):
        turns += 2
        img = _rotate(img, 2)
        small, f = _small(img)
        quads = engine.detect(small)
    _, _, angles = _box_geometry(quads)
    skew = float(np.median(angles)) if len(angles) >= 3 else 0.0
    if abs(skew) >= 0.15 and abs(skew) <= 15:
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(255, 255, 255))
    else:
        skew = 0.0
    return img, (turns * 90) % 360, skew


def ruling_edges(img: np.ndarray) -> list[tuple[float, float, float, float, str]]:
    """Table ruling lines of an upright page image, found by morphology.

    Dark pixels are opened with a long thin horizontal (then vertical)
    kernel, which keeps only straight runs far longer than any character
    stroke; each remaining connected run is one ruling segment.

    Returns
    -------
    list of (x0, top, x1, bottom, orientation)
        In pixels; ``orientation`` is ``"h"`` or ``"v"``.
    """
    cv2 = _cv2()
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = gray.shape
    edges: list[tuple[float, float, float, float, str]] = []
    # a ruling is longer than ~2.5 characters: text strokes (一, 二) are shorter
    unit = max(h, w) / 60.0
    thin = max(unit * 0.4, 6)

    def runs(kernel_size: tuple[int, int], close_size: tuple[int, int]) -> np.ndarray:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, kernel_size)
        mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
        # bridge small gaps in broken (scanned, compressed) lines
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, close_size))
        return cv2.connectedComponentsWithStats(mask, connectivity=8)[2][1:]

    for x, y, bw, bh, _ in runs((max(int(unit * 1.5), 20), 1), (9, 1)):
        if bw >= unit * 2.0 and bh <= thin:
            edges.append((float(x), y + bh / 2, float(x + bw), y + bh / 2, "h"))
    hs = [e for e in edges]
    tol = max(unit * 0.3, 4)

    def meets_h(xc: float, yy: float) -> bool:
        return any(abs(e[1] - yy) <= tol and e[0] - tol <= xc <= e[2] + tol for e in hs)

    # A vertical ruling is either long, or short (a one-line row) and runs from
    # one horizontal ruling to another; a character's stroke does neither.
    for x, y, bw, bh, _ in runs((1, max(int(unit * 0.45), 10)), (1, 9)):
        if bw > thin:
            continue
        xc = x + bw / 2
        if bh >= unit * 1.2 or (bh >= unit * 0.45 and meets_h(xc, y) and meets_h(xc, y + bh)):
            edges.append((xc, float(y), xc, float(y + bh), "v"))
    return edges
