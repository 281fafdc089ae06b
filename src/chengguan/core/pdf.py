"""HTML → PDF with WeasyPrint and the vendored CJK fonts.

Every PDF embeds (a subset of) the fonts in ``chengguan.assets``: the closed government network has no
font server and clients may lack Chinese fonts, so nothing may depend on system fonts.

Usage::

    pdf = render_pdf(html)                                   # report style, A4, 第 N 页 共 M 页
    pdf = render_pdf(html, stylesheets=[document_css()])     # 公文 / 执法文书 style (GB/T 9704 layout)

Rendering is serialised by a lock: Pango and fontconfig objects behind the cached FontConfiguration
are not safe to share between threads, and a one-page document takes well under 0.1 s.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from chengguan.assets import EMBEDDED_FONTS, SANS_STACK, SERIF_STACK

if TYPE_CHECKING:  # WeasyPrint takes ~0.7 s to import; only pay for it when a PDF is made.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

__all__ = ["PAGE_FOOTER", "base_css", "document_css", "render_pdf", "warm_up"]

# Chinese page footer; counter(pages) is resolved by WeasyPrint after layout.
PAGE_FOOTER = '"第 " counter(page) " 页 共 " counter(pages) " 页"'

_lock = threading.Lock()


def base_css() -> str:
    """Default page and text CSS applied before the caller's stylesheets (reports, lists, forms)."""
    return f"""
@page {{
  size: A4;
  margin: 22mm 18mm 22mm 18mm;
  @bottom-center {{
    content: {PAGE_FOOTER};
    font-family: {SANS_STACK};
    font-size: 9pt;
    color: #444;
  }}
}}
html {{ font-family: {SANS_STACK}; font-size: 11pt; line-height: 1.6; color: #111; }}
h1, h2, h3, h4, h5, h6 {{ font-family: {SERIF_STACK}; font-weight: bold; line-height: 1.35;
  margin: 0.8em 0 0.4em; page-break-after: avoid; }}
h1 {{ font-size: 20pt; text-align: center; }}
h2 {{ font-size: 15pt; }}
h3 {{ font-size: 13pt; }}
p {{ margin: 0 0 0.5em; orphans: 2; widows: 2; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5em 0; }}
th, td {{ border: 0.5pt solid #555; padding: 2pt 4pt; vertical-align: top; }}
th {{ background: #eee; font-weight: bold; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
svg {{ max-width: 100%; }}
"""


def document_css(*, title_pt: float = 22, body_pt: float = 16, line_pt: float = 28.5) -> str:
    """CSS for official documents (公文) and enforcement documents (执法文书), after GB/T 9704-2012.

    A4 with the standard type area (天头 37 mm, 订口 28 mm, 156 × 225 mm 版心), title in 二号
    (22 pt) Song-style bold standing in for 方正小标宋, body in 三号 (16 pt) Song-style standing in
    for 仿宋_GB2312, fixed 28.5 pt leading (≈ 22 lines per page). Level-1 headings (``h2``) are 三号
    黑体 (the sans font), level-2 (``h3``) 三号 bold Song (楷体 stand-in).

    Class hooks: ``.org`` issuing organ (larger title line), ``.doc-no`` 文号 (centred, e.g.
    海城管罚决字〔2026〕第1号), ``.right`` right-aligned signature/date block, ``.no-indent``.
    """
    return f"""
@page {{
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{
    content: {PAGE_FOOTER};
    font-family: {SERIF_STACK};
    font-size: 12pt;
    color: #000;
  }}
}}
html {{ font-family: {SERIF_STACK}; font-size: {body_pt}pt; line-height: {line_pt}pt; color: #000; }}
body {{ text-align: justify; }}
h1, .org {{ font-family: {SERIF_STACK}; font-size: {title_pt}pt; font-weight: bold;
  line-height: {max(line_pt, title_pt * 1.4):.1f}pt; text-align: center; margin: 0 0 {line_pt / 2:.1f}pt;
  letter-spacing: 0.05em; }}
.org {{ font-size: {title_pt * 1.1:.1f}pt; margin-bottom: 0; }}
.doc-no {{ text-align: center; text-indent: 0; margin: 0 0 {line_pt / 2:.1f}pt; }}
h2 {{ font-family: {SANS_STACK}; font-size: {body_pt}pt; font-weight: normal; margin: 0;
  text-indent: 2em; page-break-after: avoid; }}
h3 {{ font-family: {SERIF_STACK}; font-size: {body_pt}pt; font-weight: bold; margin: 0;
  text-indent: 2em; page-break-after: avoid; }}
p {{ margin: 0; text-indent: 2em; orphans: 2; widows: 2; }}
p.no-indent, .right, td p, th p {{ text-indent: 0; }}
.right {{ text-align: right; padding-right: 2em; }}
table {{ border-collapse: collapse; width: 100%; margin: {line_pt / 4:.1f}pt 0;
  font-size: {max(body_pt - 4, 10)}pt; line-height: 1.5; }}
th, td {{ border: 0.75pt solid #000; padding: 3pt 5pt; vertical-align: middle; }}
th {{ font-family: {SANS_STACK}; font-weight: normal; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
"""


@lru_cache(maxsize=1)
def _font_setup() -> tuple[FontConfiguration, CSS, URLFetcher]:
    """Register the embedded fonts once per process: it costs ~0.1 s, so never per document."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    missing = [str(f.path) for f in EMBEDDED_FONTS if not f.path.is_file()]
    if missing:
        raise FileNotFoundError(f"embedded fonts missing (run scripts/build-font.sh): {missing}")
    # No network: the deployment network has no internet and a fetch would only stall on a timeout.
    fetcher = URLFetcher(allowed_protocols=("file", "data"))
    font_config = FontConfiguration()
    faces = "\n".join(f.font_face_css() for f in EMBEDDED_FONTS)
    css = CSS(string=faces + base_css(), font_config=font_config, url_fetcher=fetcher)
    return font_config, css, fetcher


def _release_fonts() -> None:
    # WeasyPrint's FontConfiguration.__del__ calls into pango; at interpreter exit the library may already
    # be gone ("NoneType is not callable"). Drop our cached instance while it still works.
    _parsed_css.cache_clear()
    _font_setup.cache_clear()


atexit.register(_release_fonts)


@lru_cache(maxsize=64)
def _parsed_css(text: str, base_url: str | None) -> CSS:
    # Same text → same parsed stylesheet; document_css() is passed on every render.
    from weasyprint import CSS

    font_config, _, fetcher = _font_setup()
    return CSS(string=text, base_url=base_url, font_config=font_config, url_fetcher=fetcher)


def warm_up() -> None:
    """Import WeasyPrint and register the fonts now (≈1–2 s), e.g. at app start-up, so that the first
    user-visible PDF is as fast as the rest."""
    with _lock:
        _font_setup()


def render_pdf(html: str, *, base_url: str | None = None, stylesheets: Sequence[str] = ()) -> bytes:
    """Render ``html`` to PDF bytes.

    ``base_url`` resolves relative links (images, CSS) in the HTML; only ``file:`` and ``data:``
    URLs are fetched. ``stylesheets`` are CSS *source texts* applied after the defaults (e.g.
    ``document_css()``); later ones win. The embedded fonts are available as "CGSans",
    "CGSansExt" and "CGSerif".
    """
    from weasyprint import HTML

    with _lock:
        font_config, default_css, fetcher = _font_setup()
        extra = [_parsed_css(text, base_url) for text in stylesheets]
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        pdf = document.write_pdf(stylesheets=[default_css, *extra], font_config=font_config)
    if pdf is None:  # only happens when a target is given, which we never do
        raise RuntimeError("WeasyPrint returned no PDF bytes")
    return pdf
