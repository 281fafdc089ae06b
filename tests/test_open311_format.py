"""Open311 wire formats without the web layer: XML is well-formed for any text, the JSON mapping mirrors
it, attribute parsing of ``attribute[code]`` / ``attribute[code][]``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengguan.open311 import fmt, service

# Any text but surrogates, \r (XML normalises it to \n) and the two non-characters (dropped like controls).
XML_OK = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufffe\uffff"),
                 max_size=60)


# The machine is shared: slow draws are load, not a bad strategy.
LOADED = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)


@LOADED
@given(st.lists(st.fixed_dictionaries({"service_request_id": XML_OK, "description": XML_OK,
                                       "lat": st.floats(-90, 90), "media_url": st.none()}), max_size=3))
def test_any_text_gives_well_formed_xml(records) -> None:  # type: ignore[no-untyped-def]
    r = fmt.respond("xml", "service_requests", records, "request")
    root = ET.fromstring(r.body)
    assert root.tag == "service_requests" and len(root.findall("request")) == len(records)
    for rec, el in zip(records, root.findall("request"), strict=True):
        assert el.find("media_url") is not None and el.find("media_url").text is None  # null → empty element
        printable = "".join(ch for ch in rec["description"] if ch in "\t\n" or ord(ch) >= 0x20)
        assert (el.findtext("description") or "") == printable  # control characters dropped, the rest intact


def test_json_mapping_and_datetimes() -> None:
    at = datetime(2026, 11, 21, 3, 4, 5, 678, tzinfo=UTC)
    body = {"service_code": "09006", "attributes": [{"code": "a", "values": [{"key": "1", "name": "x"}],
                                                     "required": True}], "at": at}
    j = json.loads(fmt.respond("json", "service_definition", body).body)
    assert j["at"] == "2026-11-21T11:04:05+08:00" and j["attributes"][0]["required"] is True
    x = ET.fromstring(fmt.respond("xml", "service_definition", body).body)
    assert x.findtext("attributes/attribute/values/value/key") == "1"
    assert x.findtext("attributes/attribute/required") == "true" and x.findtext("at") == "2026-11-21T11:04:05+08:00"


@LOADED
@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=5), st.text(min_size=1, max_size=5))
def test_attribute_parsing(multi, single) -> None:  # type: ignore[no-untyped-def]
    items = [("attribute[one]", single), ("api_key", "k"), ("attributes", "x")] + [("attribute[many][]", v) for v in multi]
    got = service.parse_attributes(items)
    assert got.get("one") == single
    assert got.get("many", []) == multi
    assert set(got) <= {"one", "many"}
