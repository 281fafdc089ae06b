"""Uploaded files: checked by their bytes, stored by their SHA-256, with thumbnails and GPS stripping.

Flow for an upload (photo from a collector, video from a body camera, a voice note, a PDF):

1. :func:`inspect_upload` decides the real type from magic bytes and refuses anything not on the list, any
   mismatch with the declared type or the file name's extension, over-size files, and images that Pillow
   cannot decode or that have too many pixels (decompression bombs). It raises :class:`UploadRejected` with a
   Chinese message the UI can show as is.
2. ``store.put(data, key=info.sha256)`` writes the bytes into a :class:`FileStore`. Keys *are* content
   hashes, so one photo attached to three cases is stored once. (``stored_files`` rows carry the metadata.)
3. :func:`make_thumbnail` gives the small JPEG for lists and maps; :func:`strip_exif_gps` gives the copy of a
   photo that may be shown to the public (no location, orientation kept).

HEIC/HEIF photos are accepted (dimensions read from the ``ispe`` box) but this Pillow build cannot decode
them, so thumbnails and GPS stripping refuse HEIC with a clear message; iOS converts to JPEG on web upload by
default, so these are rare.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError
from PIL.ExifTags import IFD

from chengguan.core.errors import AppError, NotFound

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "FileStore",
    "LocalFileStore",
    "UploadInfo",
    "UploadRejected",
    "content_key",
    "inspect_upload",
    "make_thumbnail",
    "strip_exif_gps",
]

Kind = Literal["image", "video", "audio", "document"]

# 64 MP: above a 48 MP phone sensor's full-resolution mode, far below what exhausts memory when decoded.
DEFAULT_MAX_PIXELS = 64_000_000

UNSUPPORTED_MESSAGE = (
    "文件类型不受支持：仅接受 JPEG/PNG/WEBP/GIF/HEIC 图片、MP4/MOV/WEBM 视频、MP3/M4A/AAC/AMR/WAV 音频和 PDF"
)


class UploadRejected(AppError):
    """An upload refused for a reason the uploader can act on; ``message`` is Chinese and shown as is."""

    status_code = 422
    code = "upload_rejected"
    _STATUS = {"too_large": 413, "unsupported_type": 415}

    def __init__(self, message_zh: str, code: str) -> None:
        super().__init__(message_zh, code=code)
        self.status_code = self._STATUS.get(code, 422)


@dataclass(frozen=True, slots=True)
class UploadInfo:
    kind: Kind
    content_type: str
    size: int
    sha256: str
    width: int | None  # as displayed, i.e. after the EXIF orientation is applied
    height: int | None
    extension: str  # canonical, without the dot: "jpg", "mp4" …


@dataclass(frozen=True, slots=True)
class _Type:
    content_type: str
    kind: Kind
    label: str
    extensions: frozenset[str]  # accepted file-name extensions; the first listed is canonical
    aliases: frozenset[str]  # accepted declared MIME types
    canonical_ext: str
    pil_format: str | None = None


def _t(ct: str, kind: Kind, label: str, exts: str, aliases: str = "", pil: str | None = None) -> _Type:
    ext_list = exts.split()
    return _Type(ct, kind, label, frozenset(ext_list), frozenset({ct, *aliases.split()}), ext_list[0], pil)


# MP4 and MOV share one container and phones mislabel them; likewise HEIC/HEIF and M4A/AAC. Those pairs
# accept each other's names so honest uploads are not refused; what matters is that the bytes are on the list.
_TYPES: dict[str, _Type] = {
    t.content_type: t
    for t in [
        _t("image/jpeg", "image", "JPEG 图片", "jpg jpeg jpe jfif", "image/jpg image/pjpeg", "JPEG"),
        _t("image/png", "image", "PNG 图片", "png", "image/x-png", "PNG"),
        _t("image/webp", "image", "WEBP 图片", "webp", "", "WEBP"),
        _t("image/gif", "image", "GIF 图片", "gif", "", "GIF"),
        _t(
            "image/heic",
            "image",
            "HEIC 图片",
            "heic heif",
            "image/heif image/heic-sequence image/heif-sequence",
        ),
        _t(
            "image/heif",
            "image",
            "HEIF 图片",
            "heif heic",
            "image/heic image/heif-sequence image/heic-sequence",
        ),
        _t("video/mp4", "video", "MP4 视频", "mp4 m4v mov", "video/x-m4v video/quicktime"),
        _t("video/quicktime", "video", "MOV 视频", "mov qt mp4", "video/mp4"),
        _t("video/webm", "video", "WEBM 视频", "webm", ""),
        _t("audio/webm", "audio", "WEBM 音频", "webm weba", "video/webm"),
        _t("audio/mpeg", "audio", "MP3 音频", "mp3", "audio/mp3 audio/mpeg3 audio/x-mpeg audio/x-mp3"),
        _t("audio/mp4", "audio", "M4A 音频", "m4a mp4 aac", "audio/x-m4a audio/m4a audio/aac audio/x-aac"),
        _t("audio/aac", "audio", "AAC 音频", "aac m4a", "audio/x-aac audio/aacp audio/mp4 audio/x-m4a"),
        _t("audio/amr", "audio", "AMR 音频", "amr", "audio/x-amr audio/3gpp"),
        _t("audio/amr-wb", "audio", "AMR-WB 音频", "awb amr", "audio/amr audio/x-amr"),
        _t("audio/wav", "audio", "WAV 音频", "wav wave", "audio/x-wav audio/wave audio/vnd.wave"),
        _t("application/pdf", "document", "PDF 文档", "pdf", "application/x-pdf"),
    ]
}
_NEUTRAL_DECLARED = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"mmp4",
}
_MP4_BRANDS |= {b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"XAVC"}


def _ftyp(data: bytes) -> str | None:
    """Type of an ISO base-media file (MP4, MOV, M4A, HEIC) from its ``ftyp`` brands."""
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or len(data) < 16:
        return None
    major = data[8:12]
    brands = {major} | {data[i : i + 4] for i in range(16, min(size, 512) - 3, 4)}
    if b"avif" in brands or b"avis" in brands:
        return None  # AVIF shares HEIF's mif1 brand but is not on the list
    if major in _HEIF_BRANDS:
        return "image/heic"
    if major in {b"mif1", b"msf1"}:
        return "image/heic" if brands & _HEIF_BRANDS else "image/heif"
    if major in _M4A_BRANDS:
        return "audio/mp4"
    if major == b"qt  ":
        return "video/quicktime"
    if major in _MP4_BRANDS or brands & {b"isom", b"mp41", b"mp42"}:
        return "video/mp4"
    return None


_PREFIXES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"#!AMR-WB\n", "audio/amr-wb"),
    (b"#!AMR\n", "audio/amr"),
    (b"%PDF-", "application/pdf"),
    (b"ID3", "audio/mpeg"),
]
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav"}


def _sniff(data: bytes) -> str | None:
    """The real content type from magic bytes, or None when it is not one we accept."""
    head = data[:64]
    for prefix, content_type in _PREFIXES:
        if head.startswith(prefix):
            return content_type
    if head[:4] == b"RIFF":
        return _RIFF.get(head[8:12])
    if head[4:8] == b"ftyp":
        return _ftyp(data)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: WEBM and Matroska differ only in the DocType element (id 0x4282) of the header.
        at = head.find(b"\x42\x82")
        return "video/webm" if at >= 0 and head[at + 3 : at + 7] == b"webm" else None
    if len(head) >= 2 and head[0] == 0xFF:  # MP3 or AAC without a tag: a frame header
        b1 = head[1]
        if (b1 & 0xF6) == 0xF0:  # ADTS: 12-bit sync, layer 00
            return "audio/aac"
        if (b1 & 0xE0) == 0xE0 and (b1 & 0x06) and (b1 & 0x18) != 0x08:  # MPEG audio, valid layer/version
            return "audio/mpeg"
    return None


def _extension(filename: str) -> str | None:
    """Lower-case extension, or None when the name has none worth judging (``blob``, ``IMG.2026``)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in name:
        return None
    ext = name.rsplit(".", 1)[1].lower()
    return ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) and not ext.isdigit() else None


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def content_key(data: bytes) -> str:
    """The store key of ``data``: its SHA-256 in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def inspect_upload(
    data: bytes,
    filename: str,
    declared_type: str | None,
    max_bytes: int,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> UploadInfo:
    """Check an upload and describe it; raise :class:`UploadRejected` when it must be refused."""
    size = len(data)
    if size == 0:
        raise UploadRejected("文件为空", "empty")
    if size > max_bytes:
        raise UploadRejected(f"文件过大：{_human(size)}，上限为 {_human(max_bytes)}", "too_large")
    sniffed = _sniff(data)
    if sniffed is None:
        raise UploadRejected(UNSUPPORTED_MESSAGE, "unsupported_type")
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    ext = _extension(filename)
    # The same container holds sound or pictures; a recorder that says "audio" is believed.
    if sniffed in ("video/webm", "video/mp4") and (declared.startswith("audio/") or ext in ("m4a", "weba")):
        sniffed = "audio/webm" if sniffed == "video/webm" else "audio/mp4"
    spec = _TYPES[sniffed]
    if ext is not None and ext not in spec.extensions:
        raise UploadRejected(
            f"文件扩展名“.{ext}”与文件内容（{spec.label}）不符，请勿修改扩展名后上传", "type_mismatch"
        )
    if declared not in _NEUTRAL_DECLARED and declared not in spec.aliases:
        raise UploadRejected(f"声明的文件类型“{declared}”与文件内容（{spec.label}）不符", "type_mismatch")
    width = height = None
    if spec.kind == "image":
        width, height = _image_size(data, spec, max_pixels)
    return UploadInfo(
        spec.kind, spec.content_type, size, content_key(data), width, height, spec.canonical_ext
    )


def _too_many_pixels(w: int, h: int, max_pixels: int) -> UploadRejected:
    return UploadRejected(
        f"图片尺寸过大：{w}×{h} 像素，超过上限 {max_pixels / 1_000_000:g} 百万像素", "too_many_pixels"
    )


def _image_size(data: bytes, spec: _Type, max_pixels: int) -> tuple[int, int]:
    """Displayed (width, height) after a full decode, so truncated and corrupt files are caught here."""
    if spec.pil_format is None:  # HEIC/HEIF: no decoder, so read the declared size and trust the container
        dims = _heif_size(data)
        if dims is None:
            raise UploadRejected("图片文件已损坏或不完整，无法读取尺寸", "corrupt_image")
        if dims[0] * dims[1] > max_pixels:
            raise _too_many_pixels(*dims, max_pixels)
        return dims
    corrupt = UploadRejected("图片文件已损坏或不完整，无法打开", "corrupt_image")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit applies below
        try:
            img = Image.open(io.BytesIO(data), formats=[spec.pil_format])
        except Image.DecompressionBombError:
            raise UploadRejected("图片尺寸过大，疑似压缩炸弹", "too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise corrupt from None
        with img:
            w, h = img.size
            if w * h > max_pixels:
                raise _too_many_pixels(w, h, max_pixels)
            if spec.pil_format == "JPEG":
                # Decode at 1/8 scale: the whole stream is still read (so truncation shows) at a fraction
                # of the cost.
                img.draft("RGB", (max(1, w // 8), max(1, h // 8)))
            # WeasyPrint sets this global to True when it is imported (any PDF made in this process);
            # nothing here wants truncated images, and an upload must fail on them.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                img.load()
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                raise corrupt from None
            orientation = img.getexif().get(0x0112)
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _heif_size(data: bytes) -> tuple[int, int] | None:
    """The largest ``ispe`` (image spatial extent) in a HEIF file: the primary image, not a tile or thumbnail."""
    best: tuple[int, int] | None = None
    at = data.find(b"ispe", 0, 1 << 20)
    while at >= 4:
        box = data[at - 4 : at + 16]
        if len(box) == 20 and int.from_bytes(box[:4], "big") == 20:
            w, h = int.from_bytes(box[12:16], "big"), int.from_bytes(box[16:20], "big")
            if w and h and (best is None or w * h > best[0] * best[1]):
                best = (w, h)
        at = data.find(b"ispe", at + 4, 1 << 20)
    return best


# ---- derived images --------------------------------------------------------------------------------------

_DECODABLE = ["JPEG", "PNG", "WEBP", "GIF"]
_SRGB = ImageCms.createProfile("sRGB")


def _refuse_undecodable(kind: str | None) -> None:
    if kind in ("image/heic", "image/heif"):
        raise UploadRejected(
            "HEIC 照片暂不能处理，请在手机相机设置中选择“兼容性最佳”（JPEG）后上传", "not_decodable"
        )
    if kind not in ("image/jpeg", "image/png", "image/webp", "image/gif"):
        raise UploadRejected("不是可处理的图片", "not_an_image")


def _open_photo(data: bytes) -> Image.Image:
    _refuse_undecodable(_sniff(data))
    try:
        return Image.open(io.BytesIO(data), formats=_DECODABLE)
    except Image.DecompressionBombError:
        raise UploadRejected("图片尺寸过大，疑似压缩炸弹", "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRejected("图片文件已损坏或不完整，无法打开", "corrupt_image") from None


def make_thumbnail(data: bytes, max_px: int = 320, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """A JPEG no larger than ``max_px`` on either side, upright, in sRGB, with no metadata at all."""
    with _open_photo(data) as img:
        if img.size[0] * img.size[1] > max_pixels:
            raise _too_many_pixels(*img.size, max_pixels)
        img.draft("RGB", (max_px, max_px))  # JPEG only: decode at a reduced scale, still ≥ max_px
        try:
            img.load()
            upright = ImageOps.exif_transpose(img)
        except (OSError, SyntaxError, ValueError):
            raise UploadRejected("图片文件已损坏或不完整，无法打开", "corrupt_image") from None
    icc = upright.info.get("icc_profile")
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))  # transparent areas become white, not black
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
        icc = None
    elif upright.mode != "RGB":
        # CMYK or grayscale profiles do not describe the converted RGB pixels: drop them.
        upright = upright.convert("RGB")
        icc = None
    if icc:
        # Wide-gamut phone photos (Display P3) would look washed out once their profile is stripped.
        with contextlib.suppress(ImageCms.PyCMSError, OSError):
            upright = ImageCms.profileToProfile(upright, io.BytesIO(icc), _SRGB, outputMode="RGB") or upright
    upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=82, optimize=True)  # no exif=, icc_profile=: nothing is carried over
    return out.getvalue()


def _exif_without_gps(raw: bytes) -> bytes:
    """EXIF block (with or without the ``Exif\\0\\0`` header) minus the GPS IFD, with the header."""
    exif = Image.Exif()
    exif.load(raw)
    if IFD.GPSInfo in exif:
        del exif[IFD.GPSInfo]
    return exif.tobytes()


_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT_APP1 = b"http://ns.adobe.com/xmp/extension/\x00"


def strip_exif_gps(data: bytes) -> bytes:
    """The same photo without location data, for public display; pixels are not re-encoded.

    Removes the EXIF GPS IFD and XMP packets (which repeat the coordinates); keeps the rest of EXIF, in
    particular the orientation, so the photo still shows upright. JPEG, PNG and WEBP are rewritten at the
    container level; GIF has no such metadata and is returned unchanged.
    """
    kind = _sniff(data)
    _refuse_undecodable(kind)
    try:
        if kind == "image/jpeg":
            return _strip_jpeg(data)
        if kind == "image/png":
            return _strip_png(data)
        if kind == "image/webp":
            return _strip_webp(data)
    except (IndexError, ValueError, SyntaxError, OSError):
        raise UploadRejected("图片文件已损坏或不完整，无法去除位置信息", "corrupt_image") from None
    return data  # GIF: no EXIF or XMP to remove


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    while True:
        if data[pos] != 0xFF:
            raise ValueError("JPEG marker expected")
        while data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        if marker == 0xDA or marker == 0xD9:  # start of scan / end: the rest is image data
            out += data[pos:]
            return bytes(out)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out += data[pos : pos + 2]
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("JPEG segment overruns the file")
        payload = data[pos + 4 : end]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            exif = _exif_without_gps(payload)
            if len(exif) + 2 > 0xFFFF:
                raise ValueError("EXIF segment too large")
            out += b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
        elif marker == 0xE1 and (payload.startswith(_XMP_APP1) or payload.startswith(_XMP_EXT_APP1)):
            pass
        else:
            out += data[pos:end]
        pos = end


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


_PNG_XMP_KEYS = (b"XML:com.adobe.xmp\x00", b"Raw profile type exif\x00", b"Raw profile type xmp\x00")


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    pos = 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk overruns the file")
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"eXIf":
            out += _png_chunk(b"eXIf", _exif_without_gps(body)[6:])
        elif kind in (b"iTXt", b"tEXt", b"zTXt") and body.startswith(_PNG_XMP_KEYS):
            pass  # XMP, or EXIF hex-dumped into text by ImageMagick
        else:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


def _strip_webp(data: bytes) -> bytes:
    chunks = bytearray()
    pos = 12
    vp8x_at = None
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > len(data):
            raise ValueError("WEBP chunk overruns the file")
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"EXIF":
            exif = _exif_without_gps(body)[6:]
            chunks += b"EXIF" + len(exif).to_bytes(4, "little") + exif + (b"\x00" if len(exif) & 1 else b"")
        elif kind == b"XMP ":
            pass
        else:
            if kind == b"VP8X":
                vp8x_at = len(chunks)
            chunks += data[pos:end]
        pos = end
    if vp8x_at is not None:
        chunks[vp8x_at + 8] &= ~0x04 & 0xFF  # the VP8X "has XMP" flag must match the chunks present
    return b"RIFF" + (len(chunks) + 4).to_bytes(4, "little") + b"WEBP" + bytes(chunks)


# ---- storage ---------------------------------------------------------------------------------------------


@runtime_checkable
class FileStore(Protocol):
    """Where file bytes live. Keys are SHA-256 hex digests of the content (see :func:`content_key`).

    Deleting removes the content for every record that shares it: callers delete only keys no
    ``stored_files`` row references any more.

    An object-store implementation plugs in here with the same five methods: ``put`` → PUT of object
    ``ab/cd/<sha256>`` with a SHA-256 checksum header and ``If-None-Match: *`` (an existing object is the same
    content, so a 412 answer is success); ``open`` → GET; ``exists`` → HEAD; ``delete`` → DELETE;
    ``url_path`` → the application's own download route (which checks permissions), not a public bucket URL.
    """

    def put(self, data: bytes, *, key: str) -> None: ...

    def open(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def url_path(self, key: str) -> str: ...


_KEY = re.compile(r"[0-9a-f]{64}")


def _check_key(key: str) -> str:
    # Keys become path components: anything but a hex digest could walk out of the root.
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a SHA-256 hex key: {key!r}")
    return key


class LocalFileStore:
    """Files on a local disk under ``root/ab/cd/<sha256>``; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path, *, url_prefix: str = "/files") -> None:
        self.root = Path(root)
        self.url_prefix = url_prefix.rstrip("/")

    def path_for(self, key: str) -> Path:
        _check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes, *, key: str) -> None:
        path = self.path_for(key)
        if content_key(data) != key:
            raise ValueError("key is not the SHA-256 of the data")
        try:
            if path.stat().st_size == len(data):
                return  # same hash, same size: already stored (deduplicated)
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)  # readers see the old state or the whole file, never a partial one
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._sync_dir(path.parent)

    @staticmethod
    def _sync_dir(directory: Path) -> None:
        # Make the rename itself durable; not every platform can open a directory.
        try:
            dfd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)

    def open(self, key: str) -> bytes:
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("文件不存在或已被删除", code="file_not_found") from None

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def url_path(self, key: str) -> str:
        return f"{self.url_prefix}/{_check_key(key)}"
