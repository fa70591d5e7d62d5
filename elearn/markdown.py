"""Markdown to safe HTML, for every plugin that shows authored or learner text.

markdown-it-py parses (CommonMark, tables, strikethrough; raw HTML off), then
nh3 (the Ammonia sanitiser) keeps only a small set of tags and attributes and
only http(s), mailto and relative URLs. Both steps run even for trusted
authors: a pack can come from anyone.

Pictures are only ever shown from this site: its Content-Security-Policy blocks images from
elsewhere, and a blocked image is a broken one. So an image from another site is refused in a
pack (``external_images="refuse"``) and becomes a plain link with its description in learners'
text (``"link"``). A picture shown is a link to itself, to open it full size on a small screen
(a diagram's labels are unreadable squeezed to a phone's width).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import unquote, urlsplit

import nh3
from flask_babel import gettext as _
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
# The class of the link around a picture (``a.picture``), the only class the sanitiser keeps.
PICTURE_CLASS = "picture"


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        allowed_classes={"a": {PICTURE_CLASS}},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str, resolve_url: Callable[[str], str] | None = None,
                    external_images: str | None = None) -> str:
    """Sanitised HTML for ``text``; safe to mark as Markup in a template.

    ``resolve_url`` (e.g. a pack's ``files.media_url``) turns the relative ``src`` of an image
    and ``href`` of a link into the URL that serves that file; absolute URLs (``https:``,
    ``mailto:``, ``/path``, ``//host``) and ``#anchors`` are left alone.

    ``external_images`` says what becomes of an image from elsewhere (``https://``, ``//host``,
    ``data:``; see ``is_from_elsewhere``): ``"refuse"`` raises
    ``ContentInvalid``, ``"link"`` shows a link to it with its description instead. By default
    it is refused when ``resolve_url`` is given (a pack's pictures are files of the pack) and
    linked otherwise (learners' posts).

    Raises ``ContentInvalid`` with every failing address and refused image together, each
    error's ``where`` saying the Markdown line (``line 12``).
    """
    if external_images is None:
        external_images = "refuse" if resolve_url is not None else "link"
    if external_images not in ("refuse", "link"):
        raise ValueError(f"external_images must be 'refuse' or 'link', not {external_images!r}")
    tokens = _parser.parse(text)
    errors: list[ContentError] = []
    if resolve_url is not None:
        errors += _resolve_relative_urls(tokens, resolve_url)
    errors += _place_pictures(tokens, refuse_external=external_images == "refuse")
    if errors:
        raise ContentInvalid(errors)
    return _scrollable_tables(sanitise_html(_parser.renderer.render(tokens, _parser.options, {})))


def _line(block: Token) -> str:
    """Where a problem is: "line 12". Only for errors (translating reads the locale)."""
    return _("line %(number)d", number=block.map[0] + 1) if block.map else ""


def is_from_elsewhere(url: str) -> bool:
    """An address with a scheme or a host (``https://``, ``//host``, ``data:``): a picture there is
    blocked by the pages' Content-Security-Policy, which lets pictures load only from this site."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) or url.startswith("//")


def _place_pictures(tokens: list[Token], refuse_external: bool) -> list[ContentError]:
    """Each picture of this site becomes a link to itself (unless it already is inside a link);
    each other picture is refused, or becomes a link to it named by its description."""
    errors: list[ContentError] = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        children, in_link = [], 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            src = token.attrGet("src") if token.type == "image" else None
            if not isinstance(src, str):
                children.append(token)
            elif not is_from_elsewhere(src):
                children.extend([token] if in_link else _linked(src, [token], PICTURE_CLASS))
            elif refuse_external:
                errors.append(ContentError(_line(block), _(
                    "the picture %(address)s is not a file of the pack: this site shows no pictures from other "
                    "sites. Put the file in the pack and name it by its path, such as media/so-do.png.",
                    address=repr(src))))
            else:
                text = Token("text", "", 0, content=token.content or src)
                children.extend([text] if in_link else _linked(src, [text]))
        block.children = children
    return errors


def _linked(href: str, inside: list[Token], css_class: str | None = None) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href, **({"class": css_class} if css_class else {})})
    return [opening, *inside, Token("link_close", "a", -1)]


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


def _resolve_relative_urls(tokens: list[Token], resolve_url: Callable[[str], str]) -> list[ContentError]:
    errors: list[ContentError] = []
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
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
                errors.extend(ContentError(_line(block), f"{path!r} {error.message}") for error in exc.errors)
                continue
            token.attrSet(attribute, resolved + (f"#{parts.fragment}" if parts.fragment else ""))
    return errors
