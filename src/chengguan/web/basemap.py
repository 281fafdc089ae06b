"""The base map as an administrator setting: a tile URL template (天地图, OSM, a city's own tile server)
and the coordinate system its tiles are drawn in.

The environment (``CHENGGUAN_TILE_URL``/``_CRS``/``_ATTRIBUTION``) gives the installation's default; the
settings ``map.*`` (应用维护 → 系统设置 → 底图) override it at run time without a restart. An empty
``map.tile_url`` means "use the environment's"; ``map.tiles_enabled = false`` switches tiles off even when
the environment has some (the map then draws only the city's own layers: district, streets, roads, grids).

Stored coordinates are always WGS-84; ``static/js/cg/map.js`` converts for GCJ-02/BD-09 tiles.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from chengguan.core.config import get_settings
from chengguan.core.errors import Invalid
from chengguan.system import settings as cfg

CRS = ("wgs84", "gcj02", "bd09")


def _check_url(v: Any) -> None:
    if v == "":
        return
    parts = urlsplit(str(v).replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("瓦片地址应以 http:// 或 https:// 开头，例如 https://tiles.example.gov.cn/{z}/{x}/{y}.png")
    if not all(k in v for k in ("{x}", "{y}", "{z}")):
        raise Invalid("瓦片地址模板必须包含 {z}、{x}、{y}")
    if re.search(r"[\s\"'<>]", v):
        raise Invalid("瓦片地址不能包含空格或引号")


def _check_crs(v: Any) -> None:
    if v not in ("",) + CRS:
        raise Invalid(f"坐标系应为 {'、'.join(CRS)} 之一（空：沿用环境配置）")


def _check_attribution(v: Any) -> None:
    # Leaflet puts the attribution into the page as HTML: plain text only.
    if re.search(r"[<>\"]", v) or len(v) > 200:
        raise Invalid("版权说明应为不超过 200 字的纯文本（不能包含 < > \"）")


def _check_subdomains(v: Any) -> None:
    if not re.fullmatch(r"[a-z0-9]{0,16}", v):
        raise Invalid("子域名应为若干字母或数字，例如 abc 或 01234567")


TILE_URL = cfg.define("map.tile_url", "", "底图瓦片地址模板（天地图、OSM 或本市瓦片服务），含 {z}/{x}/{y}，可含 {s}。"
                      "空：沿用环境变量 CHENGGUAN_TILE_URL；两者皆空时只绘制本市图层（区、街道、道路、网格）。",
                      "底图", verified=True, check=_check_url)
TILE_CRS = cfg.define("map.tile_crs", "", "底图瓦片的坐标系：wgs84（天地图、OSM）、gcj02（高德、腾讯）、bd09（百度）。"
                      "空：沿用 CHENGGUAN_TILE_CRS。存储的坐标总是 WGS-84，显示时换算。", "底图", verified=True,
                      check=_check_crs)
TILE_ATTRIBUTION = cfg.define("map.tile_attribution", "", "地图右下角的底图版权说明（空：沿用环境配置）。", "底图",
                              verified=True, check=_check_attribution)
TILE_SUBDOMAINS = cfg.define("map.tile_subdomains", "", "地址中 {s} 的取值，例如 abc 或 01234567（天地图）。", "底图",
                             verified=True, check=_check_subdomains)
TILES_ENABLED = cfg.define("map.tiles_enabled", True, "是否加载底图瓦片。关闭后地图只绘制本市图层（离线、内网环境）。",
                           "底图", verified=True)


def effective(session: Session | None) -> dict[str, Any]:
    """The base map the consoles use now: settings over the environment."""
    env = get_settings()
    out = {"tile_url": env.tile_url, "tile_crs": env.tile_crs, "tile_attribution": env.tile_attribution,
           "tile_subdomains": "abc"}
    if session is None:
        return out
    if not cfg.value(session, TILES_ENABLED.key):
        return {**out, "tile_url": ""}
    for key, name in ((TILE_URL.key, "tile_url"), (TILE_CRS.key, "tile_crs"),
                      (TILE_ATTRIBUTION.key, "tile_attribution"), (TILE_SUBDOMAINS.key, "tile_subdomains")):
        v = cfg.value(session, key)
        if v:
            out[name] = v
    return out

def img_source(tile_url: str) -> str | None:
    """The Content-Security-Policy ``img-src`` entry that allows the tile server's host."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "sub"))
    if not (parts.scheme and parts.netloc):
        return None
    if "{s}" in tile_url:
        host = parts.netloc.replace("sub", "*", 1) if parts.netloc.startswith("sub") else None
        if host is None:  # e.g. t{s}.tianditu.gov.cn → *.tianditu.gov.cn
            host = "*." + parts.netloc.split(".", 1)[1] if "." in parts.netloc else parts.netloc
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{parts.netloc}"
