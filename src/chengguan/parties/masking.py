"""Personal-data masking for public pages and exports (the ONE place; 公示 copies use these)."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***. Organisation names (≥ 6 characters ending like a company/unit) stay
    whole: they are disclosed in full under 双公示."""
    if not name:
        return ""
    n = name.strip()
    if is_org_name(n):
        return n
    if len(n) == 1:
        return "*"
    return n[0] + "*" * (len(n) - 1)


_ORG_SUFFIXES = ("公司", "厂", "店", "部", "中心", "社", "所", "院", "局", "会", "队", "行", "馆", "场", "站", "合作社", "个体工商户")


def is_org_name(name: str) -> bool:
    return len(name) >= 4 and name.endswith(_ORG_SUFFIXES)


def mask_id_number(value: str | None) -> str:
    """Resident ID 320602199001011234 → 3206**********1234 (first 4 and last 4 kept); shorter
    numbers keep at most the first and last quarter."""
    if not value:
        return ""
    v = value.strip()
    if len(v) >= 15:
        return v[:4] + "*" * (len(v) - 8) + v[-4:]
    keep = max(1, len(v) // 4)
    if len(v) <= 2:
        return "*" * len(v)
    return v[:keep] + "*" * (len(v) - 2 * keep) + v[-keep:]


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; landline 0513-85123456 → 0513-****3456."""
    if not value:
        return ""
    v = value.strip()
    digits = [i for i, ch in enumerate(v) if ch.isdigit()]
    if len(digits) < 7:
        return "*" * len(v)
    if len(digits) == 11 and v.isdigit():
        return v[:3] + "****" + v[-4:]
    # mask the 4 digits before the last 4
    hide = set(digits[-8:-4])
    return "".join("*" if i in hide else ch for i, ch in enumerate(v))


def mask_address(value: str | None) -> str:
    """Keep the road/area, hide house numbers: everything after the first digit becomes ***."""
    if not value:
        return ""
    for i, ch in enumerate(value):
        if ch.isdigit():
            return value[:i] + "***"
    return value
