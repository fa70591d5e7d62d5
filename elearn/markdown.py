"""Markdown to safe HTML, for every plugin that shows authored or learner text.

markdown-it-py parses (CommonMark, tables, strikethrough; raw HTML off), then
nh3 (the Ammonia sanitiser) keeps only a small set of tags and attributes and
only http(s), mailto and relative URLs. Both steps run even for trusted
authors: a pack can come from anyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape

from elearn.plugins.lesson_type import ContentError, ContentInvalid

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "sub",
    "sup",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str, resolve_url: Callable[[str], str] | None = None) -> str:
    """Sanitised HTML for ``text``; safe to mark as Markup in a template.

    ``resolve_url`` (e.g. a pack's ``files.media_url``) turns the relative ``src`` of an image
    and ``href`` of a link into the URL that serves that file; absolute URLs (``https:``,
    ``mailto:``, ``/path``, ``//host``) and ``#anchors`` are left alone. It raises
    ``ContentInvalid``; every failing address is collected and raised together, each error's
    ``where`` saying the Markdown line (``line 12``).
    """
    tokens = _parser.parse(text)
    if resolve_url is not None:
        _resolve_relative_urls(tokens, resolve_url)
    return _scrollable_tables(sanitise_html(_parser.renderer.render(tokens, _parser.options, {})))


_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_HEADER_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _scrollable_tables(html: str) -> str:
    """Each table in a region that scrolls sideways on its own, so a wide table (a cooperative's
    accounts) keeps readable columns on a 320 px phone instead of squeezing them or widening the
    page. The region is focusable, so keyboard users can scroll it too, and labelled with the
    table's column headings, in the content's own language. Applied to the sanitiser's output,
    whose tables are well formed and never nested."""

    def wrap(match: re.Match[str]) -> str:
        headings = [unescape(_TAG.sub("", cell)).strip() for cell in _HEADER_CELL.findall(match.group(1))]
        label = escape(", ".join(heading for heading in headings if heading) or "…")
        return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">{match.group(0)}</div>'

    return _TABLE.sub(wrap, html)


def is_relative_url(url: str) -> bool:
    """A path relative to the document: no scheme, no host, not ``/...``, ``#...`` or ``?...``."""
    if not url or url.startswith(("/", "#", "?", "\\")):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def _resolve_relative_urls(tokens: list[Token], resolve_url: Callable[[str], str]) -> None:
    errors: list[ContentError] = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = f"line {block.map[0] + 1}" if block.map else ""
        for token in block.children:
            attribute = {"image": "src", "link_open": "href"}.get(token.type)
            url = token.attrGet(attribute) if attribute else None
            if not isinstance(url, str) or not is_relative_url(url):
                continue
            parts = urlsplit(url)
            # markdown-it percent-encodes addresses (accents, spaces); the file has the plain name.
            path = unquote(parts.path)
            try:
                resolved = resolve_url(path)
            except ContentInvalid as exc:
                errors.extend(ContentError(line, f"{path!r} {error.message}") for error in exc.errors)
                continue
            token.attrSet(attribute, resolved + (f"#{parts.fragment}" if parts.fragment else ""))
    if errors:
        raise ContentInvalid(errors)
