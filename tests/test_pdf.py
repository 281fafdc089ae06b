"""PDF rendering: the vendored fonts are used and embedded, Chinese text survives a round trip.

Reads the PDFs back with poppler-utils (``pdffonts``, ``pdftotext``, ``pdfinfo``, ``pdfimages``);
install them with ``scripts/system-deps.sh --pdf-tools``.
"""

from __future__ import annotations

import base64
import http.server
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from chengguan.assets import EMBEDDED_FONTS
from chengguan.core.charts import bar_chart
from chengguan.core.pdf import document_css, render_pdf

POPPLER = ("pdffonts", "pdftotext", "pdfinfo", "pdfimages")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in POPPLER),
    reason="poppler-utils is not installed (pdffonts/pdftotext); run scripts/system-deps.sh --pdf-tools",
)

# 1×1 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

DECISION = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>行政处罚决定书</title></head><body>
<div class="org">海门区城市管理局</div>
<h1>行政处罚决定书</h1>
<p class="doc-no">海城管罚决字〔2026〕第1号</p>
<p class="no-indent">当事人：张喆，住所：海门区人民路88号。</p>
<p>经查，当事人于二〇二六年三月五日在人民路擅自占道经营，占用面积约3㎡，违反了
《江苏省城市市容和环境卫生管理条例》第二十条第⑪项的规定。</p>
<h2>一、证据</h2>
<table>
  <thead><tr><th>序号</th><th>证据名称</th><th>页数</th></tr></thead>
  <tbody>
    <tr><td>1</td><td>现场检查（勘验）笔录</td><td>2</td></tr>
    <tr><td>2</td><td>询问笔录</td><td>3</td></tr>
    <tr><td>3</td><td>现场照片</td><td>5</td></tr>
  </tbody>
</table>
<p>罚款人民币贰佰元整（￥200.00）。</p>
<p class="right">海门区城市管理局<br>二〇二六年三月十日</p>
</body></html>"""


@dataclass
class PdfFont:
    name: str
    family: str  # the name without the six-letter subset tag
    embedded: bool
    subset: bool


def run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def write(tmp_path: Path, pdf: bytes, name: str = "out.pdf") -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def fonts(path: Path) -> list[PdfFont]:
    lines = run("pdffonts", str(path)).splitlines()[2:]  # skip the header and the dashes
    result = []
    for line in lines:
        cols = line.split()
        # name, type (may contain spaces), encoding, emb, sub, uni, object, id: read from the right.
        name, emb, sub = cols[0], cols[-5], cols[-4]
        result.append(PdfFont(name, name.split("+", 1)[-1], emb == "yes", sub == "yes"))
    return result


def text(path: Path) -> str:
    """Extracted text without whitespace: pdftotext's spacing and line breaks depend on layout."""
    return re.sub(r"\s+", "", run("pdftotext", "-enc", "UTF-8", str(path), "-"))


def pages(path: Path) -> int:
    for line in run("pdfinfo", str(path)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")


def test_fonts_are_registered_files() -> None:
    for font in EMBEDDED_FONTS:
        assert font.path.is_file(), f"{font.path} missing: run scripts/build-font.sh"
        head = font.path.read_bytes()[:4]
        assert head in (b"\x00\x01\x00\x00", b"wOFF"), font.path


def test_decision_uses_only_embedded_fonts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        path = write(tmp_path, render_pdf(DECISION, stylesheets=[document_css()]))
    # WeasyPrint warns when no font at all has a glyph (it then draws .notdef boxes).
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    found = fonts(path)
    families = {f.family.split("-")[0] for f in found}
    # Only our fonts: a system font here would mean a glyph missing from the subsets, and a machine
    # without that system font would print tofu.
    assert families <= {"CGSans", "CGSansExt", "CGSerif", "CGSerifLatin"}, found
    assert {"CGSerif", "CGSerifLatin", "CGSans"} <= families  # body, digits, 黑体 heading / th
    assert "CGSansExt" in families  # 喆 is not in GB2312
    assert all(f.embedded and f.subset for f in found), found


def test_decision_text_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path, render_pdf(DECISION, stylesheets=[document_css()]))
    out = text(path)
    for expected in (
        "海门区城市管理局",
        "行政处罚决定书",
        "海城管罚决字〔2026〕第1号",
        "张喆",
        "二〇二六年三月五日",
        "3㎡",
        "第⑪项",
        "现场检查（勘验）笔录",
        "询问笔录",
        "￥200.00",
        "第1页共1页",
    ):
        assert expected in out, expected
    assert pages(path) == 1


def test_default_style_is_sans_with_page_numbers(tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>{i}</td><td>案件{i:04d}</td><td>占道经营</td></tr>" for i in range(150))
    html = f"<h1>案件清单</h1><table><thead><tr><th>序号</th><th>编号</th><th>类别</th></tr></thead>{rows}</table>"
    path = write(tmp_path, render_pdf(html))
    n = pages(path)
    assert n >= 3
    out = text(path)
    assert f"第1页共{n}页" in out
    assert f"第{n}页共{n}页" in out
    assert "案件0149" in out
    # The table header repeats on every page.
    assert out.count("编号") == n
    assert "CGSans" in {f.family for f in fonts(path)}


def test_caller_stylesheets_apply_after_defaults(tmp_path: Path) -> None:
    html = "<p>罚款</p>"
    plain = {f.family for f in fonts(write(tmp_path, render_pdf(html), "a.pdf"))}
    serif = {
        f.family
        for f in fonts(write(tmp_path, render_pdf(html, stylesheets=["p{font-family:CGSerif}"]), "b.pdf"))
    }
    assert "CGSerif" not in plain
    assert "CGSerif" in serif


def test_inline_svg_chart_embeds_chinese_labels(tmp_path: Path) -> None:
    chart = bar_chart(["海门街道", "三厂街道"], [12, 7], "各街道案件数", unit="件")
    path = write(tmp_path, render_pdf(f"<h2>月度通报</h2>{chart}"))
    out = text(path)
    for label in ("海门街道", "三厂街道", "各街道案件数"):
        assert label in out
    assert {f.family.split("-")[0] for f in fonts(path)} <= {"CGSans", "CGSansExt", "CGSerif", "CGSerifLatin"}


@pytest.fixture
def http_png() -> Iterator[str]:
    """A PNG served on loopback, to prove the renderer does not fetch over the network."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/x.png"
    finally:
        server.shutdown()
        server.server_close()


def test_relative_images_load_from_base_url_but_not_from_the_network(tmp_path: Path, http_png: str) -> None:
    (tmp_path / "seal.png").write_bytes(PNG)
    local = write(
        tmp_path, render_pdf('<p>印章</p><img src="seal.png">', base_url=tmp_path.as_uri() + "/"), "l.pdf"
    )
    remote = write(tmp_path, render_pdf(f'<p>印章</p><img src="{http_png}">'), "r.pdf")

    def images(path: Path) -> int:
        rows = run("pdfimages", "-list", str(path)).splitlines()[2:]
        return sum(1 for row in rows if row.split()[2] == "image")  # not its alpha mask (smask)

    assert images(local) == 1
    assert images(remote) == 0


def test_concurrent_renders_are_all_valid(tmp_path: Path) -> None:
    docs = [DECISION.replace("第1号", f"第{i}号") for i in range(1, 7)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(lambda h: render_pdf(h, stylesheets=[document_css()]), docs))
    for i, pdf in enumerate(pdfs, start=1):
        assert f"〔2026〕第{i}号" in text(write(tmp_path, pdf, f"{i}.pdf"))
