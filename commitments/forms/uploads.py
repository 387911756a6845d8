"""Checks an uploaded file passes before any service reads it: its size, and that it is what it claims to be."""

from __future__ import annotations

import zipfile
from typing import Any

from django import forms
from django.utils.translation import gettext as _

MB = 1024 * 1024
XLSX_NAMES = (".xlsx", ".xlsm")
# What a file's first bytes say it is; a CSV or TSV never starts like these.
_MAGIC = [
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"\x89PNG", "PNG 画像"),
    (b"\xff\xd8\xff", "JPEG 画像"),
    (b"GIF8", "GIF 画像"),
    (b"%PDF", "PDF"),
    (b"\x1f\x8b", "gzip 圧縮ファイル"),
    (b"Rar!", "RAR 圧縮ファイル"),
    (b"7z\xbc\xaf", "7-Zip 圧縮ファイル"),
]


def check_size(upload: Any, max_bytes: int) -> None:
    """Refuse a file above the limit (it is never read)."""
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("ファイルが大きすぎます（%(limit)dMB まで。このファイルは %(size).1fMB です）。")
            % {"limit": max_bytes // MB, "size": upload.size / MB}
        )


def kind_of(upload: Any) -> str:
    """'xlsx', 'text', or what else the file is (zip, xls, PNG 画像 …), from its content, not its name."""
    head = upload.read(8192)
    upload.seek(0)
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if kind == "zip":
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            names = set()
        upload.seek(0)
        return "xlsx" if "xl/workbook.xml" in names and "[Content_Types].xml" in names else "zip"
    if kind is None and b"\x00" in head:
        return "binary"  # text files hold no NUL byte
    return kind or "text"


def _what(kind: str) -> str:
    """What a refused file seems to be, for the message."""
    names = {
        "zip": _("XLSX ではない ZIP ファイル"),
        "xls": _("古い Excel 形式（.xls）"),
        "binary": _("バイナリファイル"),
    }
    return names.get(kind, kind)


def check_csv(upload: Any, *, max_bytes: int) -> Any:
    """A CSV (text) file within the limit; anything else is refused with what it seems to be."""
    check_size(upload, max_bytes)
    kind = kind_of(upload)
    if kind == "xlsx":
        raise forms.ValidationError(
            _(
                "Excel ファイルはそのまま取り込めません。"
                "Excel で「CSV UTF-8（コンマ区切り）」として保存したファイルを選んでください。"
            )
        )
    if kind != "text":
        raise forms.ValidationError(
            _("CSV ファイルではありません（%(what)sのようです）。CSV ファイルを選んでください。")
            % {"what": _what(kind)}
        )
    return upload


def check_table(upload: Any, *, max_bytes: int) -> Any:
    """A CSV/TSV (text) or XLSX file within the limit, whose content matches an .xlsx name."""
    check_size(upload, max_bytes)
    kind = kind_of(upload)
    if kind == "xls":
        raise forms.ValidationError(_("古い Excel 形式（.xls）は読めません。.xlsx または CSV で保存してください。"))
    if kind not in ("xlsx", "text"):
        raise forms.ValidationError(
            _("CSV・TSV・XLSX のいずれでもありません（%(what)sのようです）。") % {"what": _what(kind)}
        )
    if kind == "text" and upload.name.lower().endswith(XLSX_NAMES):
        raise forms.ValidationError(_("拡張子は .xlsx ですが、Excel ファイルではありません。"))
    return upload
