"""Files shipped inside the package (fonts), located without importing anything heavy.

The fonts are built by ``scripts/build-font.sh`` and committed, so PDFs render identically on a
machine that has no CJK font installed (the closed government network).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
FONTS_DIR = ASSETS_DIR / "fonts"


@dataclass(frozen=True, slots=True)
class EmbeddedFont:
    """One vendored font file and the CSS family name it is registered under."""

    family: str
    path: Path
    css_format: str
    weight: int = 400

    def font_face_css(self) -> str:
        # A file:// URL so the rule works whatever base_url the document uses.
        return (
            f'@font-face {{ font-family: "{self.family}"; font-weight: {self.weight}; '
            f'src: url("{self.path.as_uri()}") format("{self.css_format}"); }}'
        )


# GB2312 hanzi + ASCII + CJK punctuation, full-width forms, ①–⑳, 〇, ㎡ … (WenQuanYi Micro Hei).
SANS = EmbeddedFont("CGSans", FONTS_DIR / "wqy-gb2312.ttf", "truetype")
# The other 14,139 GBK hanzi, a fallback for rare characters in personal and place names.
SANS_EXT = EmbeddedFont("CGSansExt", FONTS_DIR / "wqy-gbk-ext.ttf", "truetype")
# Song/Ming style (AR PL UMing CN) over the same set as SANS, for official-document text.
SERIF = EmbeddedFont("CGSerif", FONTS_DIR / "uming-gb2312.woff", "woff")
# Latin letters and digits (Liberation Serif, Times metrics) placed before CGSerif, whose own
# digits look typewritten; it has no CJK glyphs, so everything else falls through to CGSerif.
SERIF_LATIN = EmbeddedFont("CGSerifLatin", FONTS_DIR / "liberation-serif-latin.ttf", "truetype")
SERIF_LATIN_BOLD = EmbeddedFont(
    "CGSerifLatin", FONTS_DIR / "liberation-serif-latin-bold.ttf", "truetype", weight=700
)

EMBEDDED_FONTS: tuple[EmbeddedFont, ...] = (SANS, SANS_EXT, SERIF, SERIF_LATIN, SERIF_LATIN_BOLD)

# CSS font stacks: the embedded fonts in fallback order (Pango falls back per character), generic last.
SANS_STACK = '"CGSans", "CGSansExt", sans-serif'
SERIF_STACK = '"CGSerifLatin", "CGSerif", "CGSans", "CGSansExt", serif'

__all__ = [
    "ASSETS_DIR",
    "EMBEDDED_FONTS",
    "FONTS_DIR",
    "SANS",
    "SANS_EXT",
    "SANS_STACK",
    "SERIF",
    "SERIF_LATIN",
    "SERIF_LATIN_BOLD",
    "SERIF_STACK",
    "EmbeddedFont",
]
