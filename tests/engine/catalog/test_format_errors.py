"""Files that cannot be a comet catalog raise CatalogFormatError with a clear message."""
import json

import pytest

from encke.engine.catalog import CatalogFormatError, read_comets


def test_missing_file(tmp_path):
    missing = tmp_path / "CometEls.txt"
    for arg in (missing, str(missing)):
        with pytest.raises(CatalogFormatError, match="no such file") as info:
            read_comets(arg)
        assert str(missing) in str(info.value)


def test_directory(tmp_path):
    with pytest.raises(CatalogFormatError, match="cannot be read"):
        read_comets(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\n\n   \n", "\n \n".encode()])
def test_empty_file(tmp_path, content):
    path = tmp_path / "CometEls.txt"
    path.write_bytes(content)
    with pytest.raises(CatalogFormatError, match="is empty"):
        read_comets(path)


def test_empty_text_and_bytes():
    with pytest.raises(CatalogFormatError, match="is empty"):
        read_comets(b"")
    with pytest.raises(CatalogFormatError, match="is empty"):
        read_comets("\n\n")


def test_html_error_page(tmp_path):
    path = tmp_path / "CometEls.txt"
    path.write_text("<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head></html>\n")
    with pytest.raises(CatalogFormatError, match="looks like HTML"):
        read_comets(path)


def test_json_file(tmp_path):
    path = tmp_path / "comets.json"
    path.write_text(json.dumps({"object": {"fullname": "1P/Halley"}}, indent=1))
    with pytest.raises(CatalogFormatError, match="looks like JSON"):
        read_comets(path)


def test_binary_file(tmp_path):
    path = tmp_path / "CometEls.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CatalogFormatError, match="binary"):
        read_comets(path)


def test_undecodable_bytes():
    with pytest.raises(CatalogFormatError, match=r"not UTF-8 text \(byte 0xff at offset 3\)"):
        read_comets(b"abc\xff\xfe\nmore\n")


def test_text_where_no_line_parses(shared_data):
    readme = (shared_data / "README.md").read_text()
    with pytest.raises(CatalogFormatError, match="none of its .* non-blank lines parses") as info:
        read_comets(readme)
    assert "line 1:" in str(info.value)


def test_wrong_argument_type():
    with pytest.raises(TypeError, match="got int"):
        read_comets(42)
