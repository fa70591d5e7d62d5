"""Vietnamese first: complete catalogues, the language switch, and Vietnamese formats.

The catalogues are checked against a fresh extraction from the code, so a new
string that nobody translated fails here rather than showing up in English on
a learner's phone. How to refresh them: elearn/translations/README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from elearn.db import get_database
from elearn.i18n import format_money, format_when
from elearn.models import User
from elearn.testing import csrf_token

ROOT = Path(__file__).resolve().parents[1]

# (name, folder whose files are extracted, translations folder)
CATALOGUES = [
    ("core", ROOT / "elearn", ROOT / "elearn" / "translations"),
    ("page", ROOT / "plugins" / "page" / "elearn_page", ROOT / "plugins" / "page" / "elearn_page" / "translations"),
    ("quiz", ROOT / "plugins" / "quiz" / "elearn_quiz", ROOT / "plugins" / "quiz" / "elearn_quiz" / "translations"),
    (
        "discussion",
        ROOT / "plugins" / "discussion" / "elearn_discussion",
        ROOT / "plugins" / "discussion" / "elearn_discussion" / "translations",
    ),
    (
        "video",
        ROOT / "plugins" / "video" / "elearn_video",
        ROOT / "plugins" / "video" / "elearn_video" / "translations",
    ),
    (
        "survey",
        ROOT / "plugins" / "survey" / "elearn_survey",
        ROOT / "plugins" / "survey" / "elearn_survey" / "translations",
    ),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}

# What Babel produces for Vietnamese: dot as the thousands separator, then a
# NO-BREAK SPACE (U+00A0, so "₫" never wraps onto its own line), then the đồng sign.
VND_1234567 = "1.234.567\u00a0₫"


def vi_catalogue(translations: Path):
    with (translations / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale="vi")


def msgid(message) -> str:
    """The catalogue key: the singular of a plural message."""
    return message[0] if isinstance(message, tuple | list) else message


def as_tuple(string) -> tuple:
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def extracted(source: Path) -> dict[str, str]:
    """Every msgid in ``source`` (per babel.cfg), with where it was first seen."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(source), method_map, options_map, keywords=KEYWORDS
    ):
        key = msgid(message)
        if key:
            found.setdefault(key, f"{filename}:{lineno}")
    return found


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=[c[0] for c in CATALOGUES])
def test_every_message_is_translated_and_none_is_fuzzy(name, source, translations):
    catalogue = vi_catalogue(translations)
    assert not catalogue.fuzzy, f"{name}: the catalogue header is marked fuzzy"
    assert catalogue.num_plurals == 1, "Vietnamese has one plural form"
    messages = [m for m in catalogue if m.id]
    assert messages, f"{name}: the Vietnamese catalogue is empty"
    untranslated = [msgid(m.id) for m in messages if not all(as_tuple(m.string))]
    assert not untranslated, f"{name}: untranslated: {untranslated}"
    fuzzy = [msgid(m.id) for m in messages if m.fuzzy]
    assert not fuzzy, f"{name}: fuzzy entries (review them, then remove the flag): {fuzzy}"
    # Placeholders like %(title)s must survive translation, or gettext raises at run time.
    problems = [(msgid(m.id), [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems, f"{name}: {problems}"


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=[c[0] for c in CATALOGUES])
def test_catalogue_has_every_message_in_the_code(name, source, translations):
    catalogue = vi_catalogue(translations)
    in_code = extracted(source)
    assert in_code, f"{name}: nothing extracted from {source}: is babel.cfg right?"
    missing = {key: where for key, where in in_code.items() if catalogue.get(key) is None}
    assert not missing, (
        f"{name}: messages in the code but not in the Vietnamese catalogue: {missing}. "
        "Run the pybabel extract/update/compile commands of elearn/translations/README.md."
    )


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=[c[0] for c in CATALOGUES])
def test_compiled_catalogue_matches_the_po_file(name, source, translations):
    """The .mo is what runs (there is no build step): it must be compiled from the current .po."""
    catalogue = vi_catalogue(translations)
    with (translations / "vi" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    for message in catalogue:
        if not message.id:
            continue
        found = compiled.get(message.id)
        assert found is not None, f"{name}: {msgid(message.id)!r} is not compiled: run pybabel compile"
        assert as_tuple(found.string) == as_tuple(message.string), (
            f"{name}: {msgid(message.id)!r} changed since the last compile: run pybabel compile"
        )


def page(client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def switch_language(client, lang: str, path: str = "/"):
    return client.post("/language", data={"lang": lang, "next": path, "csrf_token": csrf_token(client, path)})


def test_catalogue_page_is_vietnamese_by_default(client, make_course):
    make_course(title="Kế toán hợp tác xã")
    html = page(client)
    assert '<html lang="vi">' in html
    assert "<title>Khoá học · Học tập Hợp tác xã</title>" in html
    for text in ("Khoá học", "Đăng nhập", "Đăng ký", "3 bài học", "Kế toán hợp tác xã"):
        assert text in html
    for english in ("Courses", "Log in", "Register", "lessons"):
        assert english not in html
    assert ">English</button>" in html, "the switch offers the other language"


def test_language_switch_turns_the_interface_english(client, make_course):
    make_course(title="Kế toán hợp tác xã")
    response = switch_language(client, "en")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    html = page(client)
    assert '<html lang="en">' in html
    for text in ("Courses", "Log in", "Register", "3 lessons", "Course 1"):
        assert text in html
    assert "Khoá học" not in html
    assert ">Tiếng Việt</button>" in html

    switch_language(client, "vi")
    assert '<html lang="vi">' in page(client)


def test_unknown_language_is_ignored(client):
    switch_language(client, "fr")
    assert '<html lang="vi">' in page(client)


def test_logged_in_users_choice_is_saved_on_the_account(app, client, learner, login):
    login(client, learner)
    assert "Học tập của tôi" in page(client, "/me")
    switch_language(client, "en", "/me")
    assert "My learning" in page(client, "/me")

    with app.app_context(), get_database(app).session() as session:
        assert session.get(User, learner.id).locale == "en"

    # Another browser, with no language in its session, follows the account.
    other = app.test_client()
    login(other, learner)
    assert '<html lang="en">' in page(other, "/me")


def test_form_errors_are_vietnamese(client):
    """WTForms has no Vietnamese catalogue: every validator message must come from ours."""
    response = client.post(
        "/register",
        data={"name": "", "email": "không-phải-email", "password": "ngắn", "confirm": "khác",
              "csrf_token": csrf_token(client, "/register")},
    )
    html = response.get_data(as_text=True)
    for text in (
        "Vui lòng điền vào ô này.",
        "Địa chỉ email này không hợp lệ.",
        "Mật khẩu phải có ít nhất",
        "Hai mật khẩu không giống nhau.",
    ):
        assert text in html
    for english in ("This field is required", "Invalid email", "Field must", "Passwords"):
        assert english not in html


def test_plugin_strings_come_from_the_plugin_catalogue(client, make_course, learner, login, enrol):
    course = make_course([("page", {"text": "Hợp tác xã là gì?"})])
    lesson_id = course.modules[0].lessons[0].id
    enrol(learner, course)
    login(client, learner)
    html = page(client, f"/lessons/{lesson_id}")
    assert "Tôi đã đọc xong trang này" in html
    assert "Bài đọc" in html  # the page type's own label


def test_admin_sees_roles_in_vietnamese(client, admin, learner, login):
    login(client, admin)
    html = page(client, "/admin/users")
    assert ">Học viên</option>" in html
    assert ">Quản trị viên</option>" in html
    assert ">learner</option>" not in html


def test_money_is_formatted_the_vietnamese_way(app):
    with app.test_request_context("/"):
        assert format_money(1234567) == VND_1234567
        assert format_money(0) == "0\u00a0₫"


def test_money_in_english(app):
    with app.test_request_context("/"):
        from flask import session
        from flask_babel import refresh

        session["lang"] = "en"
        refresh()
        assert format_money(1234567) == "₫1,234,567"


def test_dates_are_vietnamese_and_in_vietnam_time(app):
    evening_utc = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # already 25 November in Hà Nội (UTC+7)
    with app.test_request_context("/"):
        assert format_when(evening_utc, date_only=True) == "25 thg 11, 2026"
        assert format_when(evening_utc) == "03:30 25/11/26"
        assert format_when(None) == ""
