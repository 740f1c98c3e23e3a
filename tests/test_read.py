"""Stage 1, read: files on disk become SourceTexts, or a ReadError that says why not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cyberlex.read import ReadError, detect_language, read

# Written for the tests: a short resolution-like text with the characters Western European documents carry.
ACCENTED = (
    "The General Assembly,\n\n"
    "Recalling the communiqué issued by the Assemblée générale at its session in Genève,\n\n"
    "Welcoming the statements made by Côte d’Ivoire, Türkiye and São Tomé and Príncipe on the “digital” "
    "economy and the rôle of the Office,\n\n"
    "1. Decides to continue its consideration of the question à la prochaine session.\n"
)
PLAIN = (
    "The General Assembly,\n\n"
    "Recalling its resolution 65/230 of 21 December 2010 on the Salvador Declaration,\n\n"
    "1. Requests the Secretary-General to report to it at its next session.\n"
)
MARKDOWN = (
    "# General Assembly\n\n"
    "## Seventy-third session\n\n"
    "*The General Assembly,*\n\n"
    "*Recalling* its resolution 65/230 of 21 December 2010,<sup>1</sup>\n\n"
    "1. *Requests* the Secretary-General to report to it at its next session.\n\n"
    "---\n\n"
    "<sup>1</sup> See the report of the Secretary-General.\n"
)


def write(tmp_path: Path, data: bytes, name: str = "doc.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- encodings -----------------------------------------------------------------------------------

def test_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, ACCENTED.encode("utf-8"))
    source = read(path)
    assert source.text == ACCENTED
    assert source.encoding == "utf-8"
    assert source.file_name == "doc.txt"
    assert source.path == str(path)


def test_utf8_with_bom_drops_the_mark(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + ACCENTED.encode("utf-8")
    source = read(write(tmp_path, data))
    assert source.text == ACCENTED
    assert not source.text.startswith("\ufeff")
    assert source.sha256 == hashlib.sha256(data).hexdigest()  # the hash is of the bytes, mark included


@pytest.mark.parametrize("bom", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, bom: str) -> None:
    data = ACCENTED.encode("utf-16") if bom == "utf-16" else (
        (b"\xff\xfe" if bom.endswith("le") else b"\xfe\xff") + ACCENTED.encode(bom))
    source = read(write(tmp_path, data))
    assert source.text == ACCENTED
    assert source.encoding == "utf-16"


# A whole resolution with one name that UN documents often print ("Côte d’Ivoire"), or one diaeresis.
def _resolution_with(ga_text: str, insertion: str) -> str:
    return ga_text.replace("seek the views of Member States", f"seek the views of Member States, {insertion},")


@pytest.mark.parametrize("insertion", [None, "including Côte d’Ivoire", "in a naïve and “digital” world"],
                         ids=["short-text", "cote-d-ivoire", "naive"])
def test_cp1252_is_decoded(tmp_path: Path, ga_text: str, insertion: str | None) -> None:
    """A Windows-1252 file (curly quotes, accents) is decoded to the same text, not to look-alike letters."""
    text = ACCENTED if insertion is None else _resolution_with(ga_text, insertion)
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    source = read(write(tmp_path, data))
    assert source.encoding != "utf-8"
    wrong = sorted({(got, want) for got, want in zip(source.text, text, strict=False) if got != want})
    assert source.text == text, f"decoded as {source.encoding}: {wrong}"


@pytest.mark.parametrize("insertion", [None, "including Côte d'Ivoire"], ids=["short-text", "cote-d-ivoire"])
def test_latin1_is_decoded(tmp_path: Path, ga_text: str, insertion: str | None) -> None:
    text = ACCENTED if insertion is None else _resolution_with(ga_text, insertion)
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    source = read(write(tmp_path, text.encode("latin-1")))
    wrong = sorted({(got, want) for got, want in zip(source.text, text, strict=False) if got != want})
    assert source.text == text, f"decoded as {source.encoding}: {wrong}"


def test_crlf_line_ends_become_newlines(tmp_path: Path) -> None:
    data = PLAIN.replace("\n", "\r\n").encode("utf-8")
    source = read(write(tmp_path, data))
    assert source.text == PLAIN
    assert source.sha256 == hashlib.sha256(data).hexdigest()


# -- files that are not text ------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \n"], ids=["empty", "blank"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ReadError, match="empty"):
        read(write(tmp_path, data))


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    data = b"The General Assembly\x00\x00\x00 recalls its resolutions and decides many things\x00"
    with pytest.raises(ReadError, match="binary"):
        read(write(tmp_path, data, "data.txt"))


def test_png_is_binary(tmp_path: Path) -> None:
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
           b"\x1f\xf3\xffa\x00\x00\x00\x00IEND\xaeB`\x82")
    with pytest.raises(ReadError, match="binary"):
        read(write(tmp_path, png, "picture.txt"))


def test_control_characters_are_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 9)) * 40 + b" The General Assembly recalls its resolutions and decides " + bytes(
        range(14, 32)) * 20
    with pytest.raises(ReadError, match="binary"):
        read(write(tmp_path, data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="cannot read"):
        read(tmp_path / "no-such-file.txt")


def test_folder_is_not_readable(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="cannot read"):
        read(tmp_path)


def test_too_few_words(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="fewer than five words"):
        read(write(tmp_path, b"12/34 56 -- A/RES/1 Hello world 2025\n"))


# -- what is known of the file -------------------------------------------------------------------------

def test_sha256_is_of_the_bytes(tmp_path: Path) -> None:
    data = PLAIN.encode("utf-8")
    source = read(write(tmp_path, data))
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert len(source.sha256) == 64


def test_english_is_detected(tmp_path: Path) -> None:
    assert read(write(tmp_path, PLAIN.encode())).language == "en"
    assert detect_language(PLAIN) == "en"


def test_markdown_media_type(tmp_path: Path) -> None:
    assert read(write(tmp_path, MARKDOWN.encode(), "doc.md")).media_type == "text/markdown"


def test_plain_media_type(tmp_path: Path) -> None:
    assert read(write(tmp_path, PLAIN.encode(), "doc.txt")).media_type == "text/plain"


def test_markdown_is_told_by_content_not_by_suffix(tmp_path: Path) -> None:
    assert read(write(tmp_path, MARKDOWN.encode(), "doc.txt")).media_type == "text/markdown"
    assert read(write(tmp_path, PLAIN.encode(), "plain.md")).media_type == "text/plain"
