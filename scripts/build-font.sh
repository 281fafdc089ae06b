#!/usr/bin/env bash
# Build the CJK fonts that chengguan embeds in its PDFs (stack-notes §2).
#
#   scripts/build-font.sh
#
# Output (committed, so no machine needs a system CJK font at run time):
#   src/chengguan/assets/fonts/wqy-gb2312.ttf      "CGSans"     WenQuanYi Micro Hei over GB2312 + symbols
#   src/chengguan/assets/fonts/wqy-gbk-ext.ttf     "CGSansExt"  the rest of GBK's hanzi (rare name characters)
#   src/chengguan/assets/fonts/uming-gb2312.woff   "CGSerif"    AR PL UMing CN (Song/Ming) over the same set
#   src/chengguan/assets/fonts/liberation-serif-latin{,-bold}.ttf  "CGSerifLatin"  Liberation Serif, Latin
#       letters and digits only: UMing's own digits are typewriter-like, 公文 wants Times-style figures
#
# Why subsets: WeasyPrint re-subsets every font per PDF; a small TrueType file keeps that under 0.1 s,
# while full CJK collections (or CFF/OTF like Noto) cost seconds per document.
# Why WOFF for the serif: its TrueType subset is 4.7 MB; WOFF (zlib) halves that and WeasyPrint
# unpacks it once per FontConfiguration. WOFF2 would be smaller but costs ~3 s to unpack.
# Fonts are renamed (name table) so a system-installed WenQuanYi/UMing can never shadow them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/src/chengguan/assets/fonts"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
WQY=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
UMING=/usr/share/fonts/truetype/arphic/uming.ttc
LIBSERIF=/usr/share/fonts/truetype/liberation2/LiberationSerif

"$PY" -c 'import fontTools.subset' 2>/dev/null || {
  echo "build-font: $PY has no fontTools (pip install -e '.[dev]')" >&2; exit 1; }

need=()
[[ -f "$WQY" ]] || need+=(fonts-wqy-microhei)
[[ -f "$UMING" ]] || need+=(fonts-arphic-uming)
[[ -f "$LIBSERIF-Regular.ttf" ]] || need+=(fonts-liberation2)
if (( ${#need[@]} )); then
  if [[ "$(id -u)" == 0 ]]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "build-font: please install as root: apt-get install -y ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PY" - "$work" <<'PYEOF'
"""Write the character sets: base.txt (GB2312 + symbols) and ext.txt (GBK hanzi not in GB2312)."""
import sys
from pathlib import Path

work = Path(sys.argv[1])


def decode_all(codec: str, hi: range, lo: range) -> set[str]:
    chars: set[str] = set()
    for h in hi:
        for l in lo:
            try:
                chars.add(bytes([h, l]).decode(codec))
            except UnicodeDecodeError:
                pass
    return chars


def span(a: int, b: int) -> set[str]:
    return {chr(c) for c in range(a, b + 1)}


gb2312 = decode_all("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
hanzi = {c for c in gb2312 if 0x4E00 <= ord(c) <= 0x9FFF}
assert len(hanzi) == 6763, len(hanzi)

base = set(gb2312)
base |= span(0x20, 0x7E)                        # ASCII
base |= span(0xA0, 0xFF)                        # Latin-1: ¥ ° ± × ÷ ² ³ · é in foreign names
base |= span(0x2010, 0x203B)                    # dashes, quotes, bullets, …, ‰, ′″, ※
base |= span(0x2160, 0x217B)                    # Ⅰ–Ⅻ, ⅰ–ⅻ
base |= span(0x2190, 0x2193)                    # ←↑→↓
base |= span(0x2460, 0x249B)                    # ①–⑳ ⑴–⒇ ⒈–⒛ (GB2312 stops at ⑩)
base |= span(0x3000, 0x303F)                    # CJK punctuation: 〇 (二〇二六年), 〔〕【】〖〗「」
base |= span(0x3220, 0x3229)                    # ㈠–㈩
base |= span(0xFE30, 0xFE4F) | span(0xFE50, 0xFE6B)  # compatibility/small forms: ﹝﹞ used in 文号
base |= span(0xFF01, 0xFF5E) | span(0xFFE0, 0xFFE6)  # full-width forms, ￥
base |= set("℃℉№℡√∞≈≠≤≥−∶∵∴☐☑☒★☆✓✔✕✗■□▲△◆◇○●◎")
base |= set("㎡㎥㎏㎎㎞㎝㎜㏄")                    # units in inspection records (占道 3㎡)
base |= set("〔2026〕第号字罚决告知书")           # enforcement document numbers, e.g. 海城管罚决字〔2026〕第1号

gbk = decode_all("gbk", range(0x81, 0xFF), range(0x40, 0xFF))
ext = {c for c in gbk if 0x3400 <= ord(c) <= 0x9FFF and c not in base}

# Latin letters only: CJK punctuation, × ÷ · ° stay with the CJK font so they keep full-width forms.
latin = span(0x20, 0x7E) | {"\u00a0"} | (span(0xC0, 0xFF) - {"×", "÷"})

(work / "latin.txt").write_text("".join(sorted(latin)), encoding="utf-8")
(work / "base.txt").write_text("".join(sorted(base)), encoding="utf-8")
(work / "ext.txt").write_text("".join(sorted(ext)), encoding="utf-8")
print(f"build-font: base {len(base)} chars ({len(hanzi)} GB2312 hanzi), ext {len(ext)} GBK hanzi")
PYEOF

subset() {  # source font-number charset output
  "$PY" -m fontTools.subset "$1" --font-number="$2" --text-file="$3" --output-file="$4" \
    --layout-features='*' --no-hinting --notdef-outline --name-IDs='0,1,2,3,4,5,6,10,13,14' \
    --drop-tables+=FFTM,BDF,EBDT,EBLC,EBSC 2>&1 | grep -v 'NOT subset' || true
}
subset "$WQY" 0 "$work/base.txt" "$work/sans.ttf"
subset "$WQY" 0 "$work/ext.txt" "$work/sansext.ttf"
subset "$UMING" 0 "$work/base.txt" "$work/serif.ttf"
subset "$LIBSERIF-Regular.ttf" 0 "$work/latin.txt" "$work/latin.ttf"
subset "$LIBSERIF-Bold.ttf" 0 "$work/latin.txt" "$work/latin-bold.ttf"

"$PY" - "$work" "$OUT" <<'PYEOF'
"""Rename the subsets and write them to the assets folder."""
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

work, out = Path(sys.argv[1]), Path(sys.argv[2])
jobs = [
    ("sans.ttf", "wqy-gb2312.ttf", "CGSans", "Regular", None, "WenQuanYi Micro Hei 0.2.0-beta"),
    ("sansext.ttf", "wqy-gbk-ext.ttf", "CGSansExt", "Regular", None, "WenQuanYi Micro Hei 0.2.0-beta"),
    ("serif.ttf", "uming-gb2312.woff", "CGSerif", "Regular", "woff", "AR PL UMing CN 0.2.20080216"),
    # OFL: a modified Liberation font must not keep the Reserved Font Name, hence the new family.
    ("latin.ttf", "liberation-serif-latin.ttf", "CGSerifLatin", "Regular", None, "Liberation Serif 2.1.5"),
    ("latin-bold.ttf", "liberation-serif-latin-bold.ttf", "CGSerifLatin", "Bold", None,
     "Liberation Serif Bold 2.1.5"),
]
for src, dst, family, style, flavor, origin in jobs:
    font = TTFont(work / src, recalcTimestamp=False)  # reproducible: same input, same bytes
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            name.removeNames(nameID=rec.nameID)
    # Windows and Mac records, so every consumer (fontconfig, Chromium) sees the same family.
    name.setName(family, 1, 3, 1, 0x409)
    name.setName(family, 1, 1, 0, 0)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{family} {style}", 4, 3, 1, 0x409)
    name.setName(f"{family}-{style}", 6, 3, 1, 0x409)
    name.setName(f"{family}-{style};chengguan-subset", 3, 3, 1, 0x409)
    name.setName(f"Modified (subset, renamed) from {origin} for chengguan by scripts/build-font.sh.",
                 10, 3, 1, 0x409)
    font.flavor = flavor
    font.save(out / dst)
    print(f"build-font: {dst} {(out / dst).stat().st_size / 1e6:.2f} MB, {len(font.getGlyphOrder())} glyphs")
PYEOF

# Licence texts go next to the fonts (Apache-2.0 / GPL-3+ with font exception; Arphic Public License).
cp /usr/share/doc/fonts-wqy-microhei/copyright "$OUT/LICENSE-wqy-microhei.txt"
cp /usr/share/common-licenses/Apache-2.0 "$OUT/LICENSE-Apache-2.0.txt"
cp /usr/share/common-licenses/GPL-3 "$OUT/LICENSE-GPL-3.txt"
zcat /usr/share/doc/fonts-arphic-uming/license/english/ARPHICPL.TXT.gz > "$OUT/LICENSE-arphic-uming-ARPHICPL.txt"
cp /usr/share/doc/fonts-arphic-uming/copyright "$OUT/COPYRIGHT-arphic-uming.txt"
cp /usr/share/doc/fonts-liberation2/copyright "$OUT/LICENSE-liberation-OFL-1.1.txt"
du -ch "$OUT"/*.ttf "$OUT"/*.woff | tail -1 | sed 's/^/build-font: total fonts /'
