"""Uploads: type detection by magic bytes, refusals, thumbnails, GPS stripping, the content-addressed store.

Images are made with Pillow in the test; audio/video/PDF are hand-made headers (only the first bytes matter).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from PIL.ExifTags import GPS, IFD, Base

from chengguan.core import files
from chengguan.core.errors import AppError, NotFound
from chengguan.core.files import (
    FileStore,
    LocalFileStore,
    UploadRejected,
    content_key,
    inspect_upload,
    make_thumbnail,
    strip_exif_gps,
)

MB = 1024 * 1024


# ---- sample files ----------------------------------------------------------------------------------------


def halves(size: tuple[int, int] = (120, 80), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue, so rotation is visible."""
    img = Image.new(mode, size, (255, 0, 0) if mode == "RGB" else (255, 0, 0, 255))
    img.paste((0, 0, 255) if mode == "RGB" else (0, 0, 255, 255), (size[0] // 2, 0, size[0], size[1]))
    return img


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    exif[Base.Make] = "TestCam"
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "2026:11:21 10:00:00"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (31.0, 52.0, 17.8)
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (121.0, 10.0, 54.1)
    return exif


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>31,52.3N</exif:GPSLatitude></x:xmpmeta>'


def jpeg(size: tuple[int, int] = (120, 80), **save: object) -> bytes:
    out = io.BytesIO()
    halves(size).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def png(img: Image.Image | None = None, **save: object) -> bytes:
    out = io.BytesIO()
    (img or halves()).save(out, "PNG", **save)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming a huge image, with no pixel data: a bomb's first bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free" + b"\x00" * 64


def ispe(width: int, height: int) -> bytes:
    return struct.pack(">I", 20) + b"ispe" + b"\x00\x00\x00\x00" + struct.pack(">II", width, height)


def heic(width: int = 4032, height: int = 3024) -> bytes:
    # A grid image: 512×512 tiles plus the full-size primary item; the largest extent is the photo's.
    meta = ispe(512, 512) + ispe(width, height) + ispe(320, 240)
    return ftyp(b"heic", b"mif1", b"heic") + struct.pack(">I", 8 + len(meta)) + b"meta" + meta


EBML_WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87\x81\x04" + b"\x00" * 64
EBML_MKV = b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska\x42\x87\x81\x04" + b"\x00" * 64
WAV = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 32


# ---- inspect_upload --------------------------------------------------------------------------------------


def test_real_jpeg_and_png_are_described() -> None:
    data = jpeg((120, 80))
    info = inspect_upload(data, "IMG_20261121_100000.JPG", "image/jpeg", 15 * MB)
    assert (info.kind, info.content_type, info.extension) == ("image", "image/jpeg", "jpg")
    assert (info.width, info.height, info.size) == (120, 80, len(data))
    assert info.sha256 == hashlib.sha256(data).hexdigest() == content_key(data)

    info = inspect_upload(png(), "shot.png", None, 15 * MB)
    assert (info.kind, info.content_type, info.width, info.height) == ("image", "image/png", 120, 80)


def test_displayed_size_follows_exif_orientation() -> None:
    data = jpeg((120, 80), exif=exif_with_gps(orientation=6))
    info = inspect_upload(data, "portrait.jpg", "image/jpeg", 15 * MB)
    assert (info.width, info.height) == (80, 120)


@pytest.mark.parametrize(
    "fmt, content_type, name", [("WEBP", "image/webp", "a.webp"), ("GIF", "image/gif", "a.gif")]
)
def test_real_webp_and_gif(fmt: str, content_type: str, name: str) -> None:
    out = io.BytesIO()
    halves().save(out, fmt)
    info = inspect_upload(out.getvalue(), name, content_type, 15 * MB)
    assert (info.content_type, info.width, info.height) == (content_type, 120, 80)


@pytest.mark.parametrize(
    "data, filename, declared, kind, content_type",
    [
        (ftyp(b"isom", b"isom", b"avc1", b"mp41"), "clip.mp4", "video/mp4", "video", "video/mp4"),
        (ftyp(b"mp42", b"mp42", b"isom"), "VID_001.mp4", None, "video", "video/mp4"),
        (ftyp(b"qt  ", b"qt  "), "IMG_0001.MOV", "video/quicktime", "video", "video/quicktime"),
        (ftyp(b"qt  ", b"qt  "), "IMG_0001.mp4", "video/mp4", "video", "video/quicktime"),  # phones mislabel
        (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "voice.m4a", "audio/x-m4a", "audio", "audio/mp4"),
        (ftyp(b"isom", b"isom", b"mp42"), "voice.m4a", "audio/mp4", "audio", "audio/mp4"),
        (EBML_WEBM, "clip.webm", "video/webm", "video", "video/webm"),
        (EBML_WEBM, "blob", "audio/webm;codecs=opus", "audio", "audio/webm"),  # browser MediaRecorder
        (b"ID3\x04\x00\x00\x00\x00\x00\x21" + b"\x00" * 40, "a.mp3", "audio/mpeg", "audio", "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + b"\x00" * 40, "a.mp3", "audio/mp3", "audio", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 40, "a.aac", "audio/aac", "audio", "audio/aac"),
        (b"#!AMR\n" + b"\x3c" * 40, "voice.amr", "audio/amr", "audio", "audio/amr"),
        (b"#!AMR-WB\n" + b"\x24" * 40, "voice.awb", None, "audio", "audio/amr-wb"),
        (WAV, "note.wav", "audio/x-wav", "audio", "audio/wav"),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "通知书.pdf",
            "application/pdf",
            "document",
            "application/pdf",
        ),
        (heic(), "IMG_0002.HEIC", "image/heic", "image", "image/heic"),
        (ftyp(b"mif1", b"mif1", b"heic"), "a.heif", "image/heif", "image", "image/heic"),
    ],
)
def test_magic_bytes_decide_the_type(
    data: bytes, filename: str, declared: str | None, kind: str, content_type: str
) -> None:
    if content_type == "image/heic" and b"ispe" not in data:
        data += ispe(640, 480)
    info = inspect_upload(data, filename, declared, 15 * MB)
    assert (info.kind, info.content_type) == (kind, content_type)


def test_heic_size_is_read_from_the_container() -> None:
    info = inspect_upload(heic(4032, 3024), "IMG.HEIC", None, 15 * MB)
    assert (info.width, info.height) == (4032, 3024)


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03" + b"\x00" * 60,  # Windows executable
        b"PK\x03\x04" + b"\x00" * 60,  # ZIP / DOCX
        "就是一段文字".encode(),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        EBML_MKV,
        ftyp(b"avif", b"avif", b"mif1", b"miaf"),
        ftyp(b"3gp4", b"3gp4"),
    ],
)
def test_unlisted_types_are_refused(data: bytes) -> None:
    with pytest.raises(UploadRejected) as err:
        inspect_upload(data, "file", None, 15 * MB)
    assert err.value.code == "unsupported_type"
    assert err.value.status_code == 415
    assert err.value.message == files.UNSUPPORTED_MESSAGE
    assert err.value.message.startswith("文件类型不受支持：仅接受 JPEG/PNG/WEBP")


@pytest.mark.parametrize(
    "filename, declared",
    [
        ("photo.png", None),  # extension says PNG, bytes say JPEG
        ("photo.php", "image/jpeg"),
        ("photo.jpg.exe", None),
        ("photo.jpg", "image/png"),
        ("photo.jpg", "application/pdf"),
        ("photo", "text/html"),
    ],
)
def test_spoofed_extension_or_declared_type_is_refused(filename: str, declared: str | None) -> None:
    with pytest.raises(UploadRejected) as err:
        inspect_upload(jpeg(), filename, declared, 15 * MB)
    assert err.value.code == "type_mismatch"
    assert "不符" in err.value.message and "JPEG 图片" in err.value.message


@pytest.mark.parametrize(
    "filename, declared",
    [("blob", None), ("IMG_0001", ""), ("x.JPEG", "application/octet-stream"), ("IMG.2026", "image/jpg")],
)
def test_missing_or_neutral_names_and_types_are_accepted(filename: str, declared: str | None) -> None:
    assert inspect_upload(jpeg(), filename, declared, 15 * MB).content_type == "image/jpeg"


def test_oversize_and_empty_are_refused() -> None:
    data = jpeg()
    inspect_upload(data, "a.jpg", None, len(data))  # exactly at the limit is fine
    with pytest.raises(UploadRejected) as err:
        inspect_upload(data, "a.jpg", None, len(data) - 1)
    assert err.value.code == "too_large" and err.value.status_code == 413
    assert "文件过大" in err.value.message and "上限" in err.value.message
    with pytest.raises(UploadRejected) as err:
        inspect_upload(b"\x00" * (16 * MB), "big.mp4", None, 15 * MB)
    assert err.value.message == "文件过大：16 MB，上限为 15 MB"
    with pytest.raises(UploadRejected) as err:
        inspect_upload(b"", "a.jpg", None, 15 * MB)
    assert err.value.code == "empty"


def test_truncated_jpeg_is_refused() -> None:
    data = jpeg((400, 300))
    with pytest.raises(UploadRejected) as err:
        inspect_upload(data[: len(data) // 2], "a.jpg", "image/jpeg", 15 * MB)
    assert err.value.code == "corrupt_image"
    assert "损坏" in err.value.message


def test_garbage_after_a_png_signature_is_refused() -> None:
    with pytest.raises(UploadRejected) as err:
        inspect_upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "a.png", None, 15 * MB)
    assert err.value.code == "corrupt_image"


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (10_000, 9_000)])
def test_bomb_like_png_headers_are_refused_before_decoding(width: int, height: int) -> None:
    # 10 G pixels trips Pillow's own guard; 90 M pixels passes Pillow's error limit but not ours (64 M).
    with pytest.raises(UploadRejected) as err:
        inspect_upload(png_header_only(width, height), "a.png", "image/png", 15 * MB)
    assert err.value.code == "too_many_pixels"
    assert "图片尺寸过大" in err.value.message


def test_pixel_limit_is_configurable() -> None:
    data = jpeg((200, 100))
    assert inspect_upload(data, "a.jpg", None, MB, max_pixels=20_000).width == 200
    with pytest.raises(UploadRejected) as err:
        inspect_upload(data, "a.jpg", None, MB, max_pixels=19_999)
    assert err.value.message == "图片尺寸过大：200×100 像素，超过上限 0.019999 百万像素"


def test_heic_bomb_and_broken_heic() -> None:
    with pytest.raises(UploadRejected) as err:
        inspect_upload(heic(50_000, 50_000), "a.heic", None, 15 * MB)
    assert err.value.code == "too_many_pixels"
    with pytest.raises(UploadRejected) as err:
        inspect_upload(ftyp(b"heic", b"mif1"), "a.heic", None, 15 * MB)
    assert err.value.code == "corrupt_image"


def test_upload_rejected_is_an_app_error() -> None:
    err = UploadRejected("文件为空", "empty")
    assert isinstance(err, AppError)
    assert (err.message, err.code, err.status_code) == ("文件为空", "empty", 422)


# ---- thumbnails ------------------------------------------------------------------------------------------


def test_thumbnail_is_small_upright_and_clean() -> None:
    # Stored 1200×800 with "rotate 90° clockwise to view": shown 800×1200, red half on top.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = jpeg((1200, 800), exif=exif_with_gps(orientation=6), icc_profile=srgb)
    assert "icc_profile" in Image.open(io.BytesIO(data)).info
    thumb = make_thumbnail(data, max_px=320)
    img = Image.open(io.BytesIO(thumb))
    assert img.format == "JPEG"
    assert img.size == (213, 320)
    top, bottom = img.getpixel((106, 20)), img.getpixel((106, 300))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert not img.getexif()
    assert "exif" not in img.info and "icc_profile" not in img.info


def test_thumbnail_of_transparent_png_has_a_white_background() -> None:
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    img.paste((0, 128, 0, 255), (0, 0, 200, 400))
    thumb = Image.open(io.BytesIO(make_thumbnail(png(img), max_px=100)))
    assert thumb.size == (100, 100) and thumb.mode == "RGB"
    right, left = thumb.getpixel((90, 50)), thumb.getpixel((10, 50))
    assert isinstance(right, tuple) and isinstance(left, tuple)
    assert min(right) > 240
    assert left[1] > 100 and left[0] < 40


def test_thumbnail_never_enlarges() -> None:
    assert Image.open(io.BytesIO(make_thumbnail(jpeg((100, 50))))).size == (100, 50)


def test_thumbnail_refusals() -> None:
    with pytest.raises(UploadRejected) as err:
        make_thumbnail(heic())
    assert err.value.code == "not_decodable" and "HEIC" in err.value.message
    with pytest.raises(UploadRejected) as err:
        make_thumbnail(b"%PDF-1.7\n")
    assert err.value.code == "not_an_image"
    data = jpeg((400, 300))
    with pytest.raises(UploadRejected) as err:
        make_thumbnail(data[:200])
    assert err.value.code == "corrupt_image"
    with pytest.raises(UploadRejected) as err:
        make_thumbnail(data, max_pixels=1000)
    assert err.value.code == "too_many_pixels"


# ---- GPS stripping ---------------------------------------------------------------------------------------


def jpeg_with_xmp(data: bytes) -> bytes:
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + XMP
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


def test_strip_gps_from_jpeg_keeps_orientation_and_pixels() -> None:
    original = jpeg_with_xmp(jpeg((120, 80), exif=exif_with_gps(orientation=6)))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(IFD.GPSInfo)  # the sample does carry GPS
    stripped = strip_exif_gps(original)
    img = Image.open(io.BytesIO(stripped))
    exif = img.getexif()
    assert not exif.get_ifd(IFD.GPSInfo) and IFD.GPSInfo not in exif
    assert exif[Base.Orientation] == 6 and exif[Base.Make] == "TestCam"
    assert exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] == "2026:11:21 10:00:00"
    assert b"GPSLatitude" not in stripped and b"ns.adobe.com/xap" not in stripped
    # Lossless: the compressed image data is byte-for-byte the same.
    sos = original.index(b"\xff\xda")
    assert stripped.endswith(original[sos:])
    assert img.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_strip_gps_from_png_and_webp() -> None:
    exif = exif_with_gps(orientation=3)
    src = png(exif=exif)
    itxt = png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP)
    src = src[:33] + itxt + src[33:]  # after the 8-byte signature and the 25-byte IHDR chunk
    out = strip_exif_gps(src)
    img = Image.open(io.BytesIO(out))
    assert img.getexif()[Base.Orientation] == 3 and not img.getexif().get_ifd(IFD.GPSInfo)
    assert b"GPSLatitude" not in out
    assert img.tobytes() == Image.open(io.BytesIO(src)).tobytes()

    buf = io.BytesIO()
    halves().save(buf, "WEBP", lossless=True, exif=exif, xmp=XMP)
    webp = buf.getvalue()
    assert b"XMP " in webp
    out = strip_exif_gps(webp)
    img = Image.open(io.BytesIO(out))
    assert img.getexif()[Base.Orientation] == 3 and not img.getexif().get_ifd(IFD.GPSInfo)
    assert b"XMP " not in out and "xmp" not in img.info
    assert int.from_bytes(out[4:8], "little") == len(out) - 8
    assert img.tobytes() == Image.open(io.BytesIO(webp)).tobytes()


def test_strip_gps_without_exif_and_refusals() -> None:
    plain = jpeg()
    assert Image.open(io.BytesIO(strip_exif_gps(plain))).tobytes() == Image.open(io.BytesIO(plain)).tobytes()
    gif = io.BytesIO()
    halves().save(gif, "GIF")
    assert strip_exif_gps(gif.getvalue()) == gif.getvalue()
    with pytest.raises(UploadRejected) as err:
        strip_exif_gps(heic())
    assert err.value.code == "not_decodable"
    with pytest.raises(UploadRejected):
        strip_exif_gps(b"%PDF-1.7\n")
    with pytest.raises(UploadRejected) as err:
        strip_exif_gps(plain[:3] + b"\x00" * 10)
    assert err.value.code == "corrupt_image"


# ---- the store -------------------------------------------------------------------------------------------


def test_local_store_round_trip_and_layout(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    assert isinstance(store, FileStore)
    data = jpeg()
    key = content_key(data)
    assert not store.exists(key)
    store.put(data, key=key)
    assert store.exists(key)
    assert store.open(key) == data
    path = tmp_path / key[:2] / key[2:4] / key
    assert path.read_bytes() == data
    assert store.url_path(key) == f"/files/{key}"
    assert LocalFileStore(tmp_path, url_prefix="/api/v1/files/").url_path(key) == f"/api/v1/files/{key}"
    store.delete(key)
    assert not store.exists(key) and not path.exists()
    store.delete(key)  # deleting twice is fine
    with pytest.raises(NotFound):
        store.open(key)


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    data = png()
    key = content_key(data)
    store.put(data, key=key)
    path = store.path_for(key)
    first = path.stat()
    store.put(data, key=key)
    assert path.stat().st_ino == first.st_ino and path.stat().st_mtime_ns == first.st_mtime_ns
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


def test_keys_must_be_the_content_hash(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    data = jpeg()
    with pytest.raises(ValueError):
        store.put(data, key=content_key(b"other"))
    for bad in ["../../etc/passwd", "ABC", content_key(data).upper(), content_key(data) + "/x", ""]:
        with pytest.raises(ValueError):
            store.put(data, key=bad)
        with pytest.raises(ValueError):
            store.open(bad)
        with pytest.raises(ValueError):
            store.url_path(bad)
    assert list(tmp_path.iterdir()) == []


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalFileStore(tmp_path)
    data = jpeg((300, 200))
    key = content_key(data)
    target = store.path_for(key)
    real_replace = os.replace
    seen: list[bytes] = []

    def checking_replace(src: str, dst: Path) -> None:
        # At the moment of the rename the target is absent and the temp file is complete.
        assert not target.exists()
        seen.append(Path(src).read_bytes())
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", checking_replace)
    store.put(data, key=key)
    assert seen == [data] and target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == [key]

    def failing_replace(src: str, dst: Path) -> None:
        raise OSError("disk full")

    other = png()
    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(other, key=content_key(other))
    assert not store.exists(content_key(other))
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_a_damaged_copy_is_rewritten(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    data = jpeg()
    key = content_key(data)
    store.put(data, key=key)
    store.path_for(key).write_bytes(data[:10])  # e.g. a copy cut short by an old crash
    store.put(data, key=key)
    assert store.open(key) == data


def test_truncated_jpeg_is_refused_after_weasyprint_was_imported() -> None:
    import weasyprint  # noqa: F401  (turns PIL's LOAD_TRUNCATED_IMAGES on globally)

    data = jpeg((400, 300))
    with pytest.raises(UploadRejected) as err:
        inspect_upload(data[: len(data) // 2], "a.jpg", "image/jpeg", 15 * MB)
    assert err.value.code == "corrupt_image"
