"""Responses are compressed for browsers that ask (a page shrinks to a third on a weak rural link)."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from elearn.testing import test_config


def stylesheet(client) -> str:
    return re.search(r'href="(/static/elearn\.css[^"]*)"', client.get("/").get_data(as_text=True)).group(1)


@pytest.mark.parametrize(("encoding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_pages_css_and_api_answers_are_compressed_when_asked(client, make_course, encoding, decompress):
    for n in range(3):  # a catalogue long enough to be worth compressing (500 bytes and more)
        make_course(title=f"Khoá học quản trị hợp tác xã {n}")
    for url in ("/", stylesheet(client), "/api/v1/courses"):
        answer = client.get(url, headers={"Accept-Encoding": encoding}, buffered=True)
        assert answer.status_code == 200
        assert answer.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in answer.headers["Vary"]
        body = decompress(answer.get_data())
        assert len(answer.get_data()) < len(body)
        if url == "/":
            assert "Khoá học quản trị hợp tác xã".encode() in body
        else:
            assert len(answer.get_data()) < len(body) / 2
    css = client.get(stylesheet(client), headers={"Accept-Encoding": encoding}, buffered=True)
    assert b"--accent" in decompress(css.get_data())


def test_nothing_is_compressed_for_a_client_that_does_not_ask_nor_a_range(client):
    assert "Content-Encoding" not in client.get("/").headers
    part = client.get(stylesheet(client), headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"}, buffered=True)
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and len(part.get_data()) == 100


class TestBehindAFrontServer:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return test_config(database_url, tmp_path, COMPRESS_RESPONSES=False)

    def test_a_site_whose_front_server_compresses_turns_it_off(self, client):
        assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "gzip, br"}).headers
