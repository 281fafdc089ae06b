"""PDF rendering time. Run: ``.venv/bin/python bench/bench_pdf.py``.

Times a one-page 执法文书 (official-document style, table, 文号) and a ten-page report (default style,
long table and an inline SVG chart): the first render in the process (WeasyPrint import + font
registration) and the median of 5 warm renders. Also says which font subsetter WeasyPrint uses,
because that alone decides whether a page costs ~0.05 s or ~0.5 s.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from chengguan.core.charts import bar_chart
from chengguan.core.pdf import document_css, render_pdf

RUNS = 5


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def one_page() -> str:
    rows = "".join(
        f"<tr><td>{i}</td><td>{name}</td><td>{n}</td></tr>"
        for i, (name, n) in enumerate([("现场检查（勘验）笔录", 2), ("询问笔录", 3), ("现场照片", 5)], 1)
    )
    return f"""<div class="org">海门区城市管理局</div><h1>行政处罚决定书</h1>
<p class="doc-no">海城管罚决字〔2026〕第1号</p>
<p class="no-indent">当事人：张三，住所：海门区人民路88号。</p>
<p>经查，当事人于二〇二六年三月五日在人民路擅自占道经营，占用面积约3㎡，违反了《江苏省城市市容和
环境卫生管理条例》第二十条的规定。依据该条例第五十六条，决定给予罚款人民币贰佰元整的行政处罚。</p>
<table><thead><tr><th>序号</th><th>证据名称</th><th>页数</th></tr></thead>{rows}</table>
<p>当事人如不服本决定，可以在收到本决定书之日起六十日内申请行政复议，或者在六个月内提起行政诉讼。</p>
<p class="right">海门区城市管理局<br>二〇二六年三月十日</p>"""


def ten_pages() -> str:
    streets = ["海门街道", "三厂街道", "滨江街道", "常乐镇", "悦来镇", "四甲镇", "余东镇", "正余镇"]
    chart = bar_chart(streets, [120, 85, 64, 40, 22, 33, 57, 12], "各街道案件数", unit="件")
    rows = "".join(
        f"<tr><td>{i}</td><td>HM2026{i:06d}</td><td>{streets[i % 8]}</td><td>占道经营</td><td>已结案</td></tr>"
        for i in range(270)
    )
    return (
        f"<h1>2026年3月数字城管运行通报</h1>{chart}"
        f"<table><thead><tr><th>序号</th><th>案件编号</th><th>街道</th><th>类别</th><th>状态</th></tr></thead>"
        f"{rows}</table>"
    )


def pages_of(pdf: bytes) -> str:
    # Page objects sit in compressed object streams, so ask poppler when it is there.
    if not shutil.which("pdfinfo"):
        return "?"
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return next((line.split()[1] for line in out.splitlines() if line.startswith("Pages:")), "?")


def bench(label: str, render: Callable[[], bytes]) -> None:
    times = []
    pdf = b""
    for _ in range(RUNS):
        t0 = time.perf_counter()
        pdf = render()
        times.append(time.perf_counter() - t0)
    print(
        f"{label:<34} median {statistics.median(times):6.3f} s  (min {min(times):.3f}, max {max(times):.3f})"
        f"  {len(pdf) / 1024:6.1f} KiB"
    )


def main() -> None:
    print(f"CPU: {cpu_model()} ({platform.machine()}), Python {platform.python_version()}")
    t0 = time.perf_counter()
    first = render_pdf(one_page(), stylesheets=[document_css()])
    print(
        f"{'first render (import + fonts)':<34} {time.perf_counter() - t0:6.3f} s  {len(first) / 1024:6.1f} KiB"
    )

    import weasyprint
    from weasyprint.text.ffi import harfbuzz_subset

    print(
        f"WeasyPrint {weasyprint.__version__}, subsetter: {'HarfBuzz' if harfbuzz_subset else 'fontTools (slow)'}"
    )

    doc, report = one_page(), ten_pages()
    bench(
        f"{pages_of(first)}-page 执法文书 (document_css)",
        lambda: render_pdf(doc, stylesheets=[document_css()]),
    )
    bench(f"{pages_of(render_pdf(report))}-page report (table + chart)", lambda: render_pdf(report))


if __name__ == "__main__":
    main()
