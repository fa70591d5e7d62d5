"""Nothing a learner writes in a discussion can run in another person's browser.

About fifty vectors (the OWASP XSS Filter Evasion Cheat Sheet, plus Markdown-specific ones) are
entered by learners in every field they control: thread title, post body, reply body, edited
body, report reason and display name. Every page that shows them is then fetched as the author,
another learner and the instructor (lesson page, thread pages, edit and history pages, report
page, moderation queue and log, participants, notifications, dashboard) and each HTML page is
parsed whole: no script, frame, object, SVG, MathML, style or base element, no event-handler or
style attribute, no address with a scheme other than http(s) or mailto, no inline script, and a
Content-Security-Policy that forbids inline scripts. Every ``*html`` field of the JSON API is
checked the same way. Plain-text fields must come back as the very text typed (escaped, shown);
each field carries a sentinel (``zzT07`` title, ``zzB07`` body, ...) so the test also proves the
content is on the page it checks. A positive control shows the checker does catch live markup
and that benign Markdown still renders.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>
B64_SVG = "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"  # <svg onload=alert(1)>

# From the OWASP XSS Filter Evasion Cheat Sheet, and HTML-context breakers.
OWASP = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083"
    "&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;"
    "&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27"
    "&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<IMG SRC=java\0script:alert(\"XSS\")>",
    "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">x</math>",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
    f"<EMBED SRC=\"data:image/svg+xml;base64,{B64_SVG}\" type=\"image/svg+xml\" AllowScriptAccess=\"always\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<XSS STYLE=\"behavior: url(xss.htc);\">",
    f"<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html;base64,{B64_SCRIPT}\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<a href=\"  javascript:alert(1)\">x</a>",
    f"<a href=\"data:text/html;base64,{B64_SCRIPT}\">x</a>",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' autofocus onfocus='alert(1)",
]

# Markdown's own ways to make a link or an image, and raw HTML inside Markdown.
MARKDOWN = [
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript://%0aalert(1))",
    "<javascript:alert(1)>",
    "<JavaScript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![x](x\" onerror=\"alert(1))",
    "![x](https://example.org/a.png\"onerror=\"alert(1))",
    "![x](javascript:alert(1))",
    f"![x](data:text/html;base64,{B64_SCRIPT})",
    f"![x](data:image/svg+xml;base64,{B64_SVG})",
    f"[x](data:text/html;base64,{B64_SCRIPT})",
    "[x](vbscript:msgbox(1))",
    "[x](https://example.org \"t\\\" onmouseover=\\\"alert(1)\")",
    "[x](#\"onmouseover=\"alert(1))",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "<div onclick=\"alert(1)\">click</div>",
    "<details open ontoggle=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| <script>alert(1)</script> |\n|---|\n| [x](javascript:alert(1)) |",
]

VECTORS = OWASP + MARKDOWN
SILENT = 45  # learners who never post, named after the first vectors; the dashboard names 20 a discussion
CODE_SPAN = "`<script>alert(1)</script>`"

FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "base",
                  "xss", "body", "input", "textarea", "button", "select", "option", "meta", "link", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "srcset",
                  "lowsrc", "dynsrc", "cite", "longdesc", "usemap", "ping", "manifest", "codebase", "content"}
SAFE_SCHEMES = {"http", "https", "mailto"}


def _normalised(url: str) -> str:
    """A URL as a browser reads its scheme: without whitespace or control characters, lowercased
    (the parser has already decoded character references)."""
    return "".join(ch for ch in url if ord(ch) > 0x20 and ord(ch) != 0x7F).lower()


class Inertness(HTMLParser):
    """Collects every way the parsed markup could run script.

    ``page=True`` for a whole page: its own forms, inputs, links and external scripts are
    allowed (they come from the templates, with site addresses); a fragment (sanitised HTML
    of a post) may contain none of them."""

    def __init__(self, page: bool):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_script = False
        self._code_depth = 0
        self.code_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        here = dict(attrs)
        self.tags.append((tag, here))
        where = f"<{tag} {attrs}>"
        if tag == "script":
            if not (here.get("src") or "").startswith("/") or (here.get("src") or "").startswith("//"):
                self.problems.append(f"inline or foreign script {where}")
            self._in_script = True
        elif tag in FORBIDDEN_TAGS and not self._allowed_on_page(tag, here):
            self.problems.append(f"forbidden element {where}")
        if tag == "code":
            self._code_depth += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} in {where}")
            if name == "style":
                self.problems.append(f"style attribute in {where}")
            if name in ("http-equiv", "srcdoc"):
                self.problems.append(f"{name} in {where}")
            if self.page and (tag, name, value) == ("link", "href", "data:,") and here.get("rel") == "icon":
                continue  # the base template's empty favicon (no request for /favicon.ico)
            if name in URL_ATTRIBUTES and value and not (tag == "meta" and name == "content"):
                scheme = re.match(r"([a-z][a-z0-9+.\-]*):", _normalised(value))
                if scheme and scheme.group(1) not in SAFE_SCHEMES:
                    self.problems.append(f"{scheme.group(1)}: address in {where}")
        external = (here.get("href") or "").startswith(("http:", "https:", "//"))
        if tag == "a" and external and "noopener" not in (here.get("rel") or "").split():
            self.problems.append(f"external link without rel=noopener {where}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False
        if tag == "code":
            self._code_depth -= 1

    def _allowed_on_page(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if not self.page:
            return False
        if tag == "form":
            action = attrs.get("action") or ""
            return action.startswith("/") and not action.startswith("//")
        if tag == "link":
            href = attrs.get("href") or ""
            if attrs.get("rel") == "icon" and href == "data:,":
                return True
            return attrs.get("rel") in ("stylesheet", "icon") and href.startswith("/") and not href.startswith("//")
        if tag == "meta":
            return "http-equiv" not in attrs
        return tag in ("input", "textarea", "button", "select", "option", "body")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "code" and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script content {data[:80]!r}")
        self.text.append(data)
        if self._code_depth:
            self.code_text.append(data)

    def handle_comment(self, data):
        if "<" in data or "[if" in data.lower():
            self.problems.append(f"comment with markup {data[:80]!r}")


def inspect(html: str, page: bool = True) -> Inertness:
    parser = Inertness(page)
    parser.feed(html)
    parser.close()
    return parser


def csp_problems(response) -> list[str]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    script = directives.get("script-src")
    if script is None:
        return [f"no script-src in the CSP {policy!r}"]
    problems = []
    if "'self'" not in script:
        problems.append(f"script-src without 'self': {script}")
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        if bad in script:
            problems.append(f"script-src allows {bad}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"object-src is not 'none': {directives.get('object-src')}")
    if "base-uri" not in directives:
        problems.append("no base-uri in the CSP")
    return problems


def shown(text: str) -> str:
    """The text as stored and shown: NUL becomes U+FFFD (PostgreSQL text cannot hold it)."""
    return text.replace("\0", "\ufffd")


def title_of(i: int, vector: str) -> str:
    return " ".join(f"zzT{i:02d} {vector}".split())[:200]


def name_of(prefix: str, i: int, vector: str) -> str:
    # PostgreSQL text cannot hold NUL; accounts are made outside the discussion, so U+FFFD stands in
    return shown(f"{prefix}{i:02d} {vector}")[:120].strip()


def opening_body(i: int) -> str:
    return f"{VECTORS[i]}\n\nzzB{i:02d}"


def reply_body(i: int) -> str:
    return f"{VECTORS[i]}\n\nzzC{i:02d}"


# Edits and reports carry several vectors each (every vector is also alone in a post and a title):
# one edit of every fourth opening post, and reasons of up to 1,000 characters.
EDITED = {i: "\n\n".join(VECTORS[i:i + 4]) + f"\n\nzzE{i:02d}" for i in range(0, len(VECTORS), 4)}


def _reasons() -> dict[int, str]:
    found: dict[int, str] = {}
    start, lines = 0, []
    for i, vector in enumerate(VECTORS):
        if lines and len("\n".join([f"zzR{start:02d}", *lines, vector])) > 1000:
            found[start] = "\n".join([f"zzR{start:02d}", *lines])
            start, lines = i, []
        lines.append(vector)
    found[start] = "\n".join([f"zzR{start:02d}", *lines])
    return found


REASONS = _reasons()  # reply index -> the reason Bob gives when reporting it


def body_now(i: int) -> str:
    return EDITED.get(i, opening_body(i))


class Checker:
    """Fetches pages and JSON, records every problem with where it was found."""

    def __init__(self, app, login):
        self.app, self.login = app, login
        self.problems: list[str] = []
        self.clients: dict[int, Any] = {}
        self.fetched = 0

    def client(self, user):
        if user.id not in self.clients:
            client = self.app.test_client()
            self.login(client, user)
            self.clients[user.id] = client
        return self.clients[user.id]

    def page(self, user, path: str, expect: list[str] = (), status: int = 200) -> Inertness | None:
        response = self.client(user).get(path)
        self.fetched += 1
        where = f"{path} as {user.email}"
        if response.mimetype != "text/html":
            self.problems.append(f"{where}: {response.mimetype}")
        self.problems.extend(f"{where}: {p}" for p in csp_problems(response))  # error pages too
        found = inspect(response.get_data(as_text=True))
        self.problems.extend(f"{where}: {p}" for p in found.problems)
        if response.status_code != status:
            self.problems.append(f"{where}: status {response.status_code}, wanted {status}")
            return None
        text = "".join(found.text)
        self.problems.extend(f"{where}: missing {e!r}" for e in map(shown, expect) if e not in text)
        return found

    def pages(self, user, path: str, count: int, expect: list[str] = (), param: str = "page") -> None:
        """``count`` pages of a paged list (``?page=N``, or another ``param``), whose text together
        shows ``expect``."""
        text = ""
        for number in range(1, count + 1):
            found = self.page(user, f"{path}?{param}={number}")
            text += "".join(found.text) if found is not None else ""
        self.problems.extend(f"{path} as {user.email}: missing {e!r}" for e in map(shown, expect) if e not in text)

    def json(self, user, path: str, headers: dict[str, str], expect: list[str] = ()) -> Any:
        response = self.client(user).get(path, headers=headers)
        self.fetched += 1
        where = f"{path} as {user.email}"
        if response.status_code != 200:
            self.problems.append(f"{where}: status {response.status_code}")
            return None
        sniffing = response.headers.get("X-Content-Type-Options")
        if response.mimetype != "application/json" or sniffing != "nosniff":
            self.problems.append(f"{where}: {response.mimetype}, X-Content-Type-Options {sniffing}")
        data = response.get_json()
        for key, value in _html_fields(data):
            found = inspect(value, page=False)
            self.problems.extend(f"{where} [{key}]: {p}" for p in found.problems)
        strings = list(_plain_strings(data))
        self.problems.extend(f"{where}: missing {e!r}" for e in map(shown, expect)
                             if not any(e in s for s in strings))
        return data


def _html_fields(value: Any, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _html_fields(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _html_fields(v, key)
    elif isinstance(value, str) and key.endswith("html"):
        yield key, value


def _plain_strings(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _plain_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _plain_strings(v)
    elif isinstance(value, str):
        yield value


# -- the checker itself ---------------------------------------------------------------------


CAUGHT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\" java&#x09;script:alert(1)\">x</a>",
    "<a href=\"VBScript:msgbox(1)\">x</a>",
    "<img src=\"data:text/html;base64,xx\">",
    "<svg><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
    "<iframe src=\"https://example.org\"></iframe>",
    "<p style=\"width: expression(alert(1))\">x</p>",
    "<form action=\"javascript:alert(1)\"></form>",
    "<a href=\"https://example.org\">no rel</a>",
    "<math><mi>x</mi></math>",
    "<base href=\"https://evil.example/\">",
]


def test_the_checker_catches_live_markup():
    for markup in CAUGHT:
        assert inspect(f"<html><body><main>{markup}</main></body></html>").problems, markup
    from werkzeug.wrappers import Response

    for policy in ("", "default-src 'self'", "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'",
                   "script-src 'self' https:; object-src 'none'; base-uri 'self'"):
        assert csp_problems(Response(headers={"Content-Security-Policy": policy} if policy else {})), policy
    assert csp_problems(Response(headers={"Content-Security-Policy":
                                          "script-src 'self'; object-src 'none'; base-uri 'self'"})) == []


def test_the_checker_passes_sanitised_markdown_and_shows_code_as_text():
    from elearn.markdown import render_markdown

    found = inspect(render_markdown(f"**bold** [ok](https://example.org)\n\n{CODE_SPAN}"), page=False)
    assert found.problems == []
    assert ("strong", {}) in found.tags
    link = next(attrs for tag, attrs in found.tags if tag == "a")
    assert link["href"] == "https://example.org" and "noopener" in link["rel"].split()
    assert "<script>alert(1)</script>" in "".join(found.code_text)


# -- every vector, every field, every page ---------------------------------------------------


@pytest.fixture
def world(app, db, discussion, login):
    """A discussion where learners wrote every vector in every field they control.

    Alice (name: a vector) opens a thread per vector: title and body. A learner named after
    the vector replies to it, quoting it. Alice edits every fourth opening post, and Bob (name:
    a vector) reports some replies, the vectors packed in the new text and the reasons. A
    silent learner named after each of the first vectors is enrolled (the dashboard names the first
    20 a discussion who have not taken part, the participants pages all). The instructor follows
    the discussion, so every post is a notification naming its author and thread."""
    from elearn.auth.sessions import issue_token
    from elearn.models import Enrolment, User

    site = discussion(page_size=100, rubric=[{"id": "depth", "title": "Chiều sâu", "points": 10}])
    site.alice.name = "zzA <script>alert('alice')</script>"
    site.bob.name = "zzO \"><img src=x onerror=alert('bob')>"
    # people and API tokens in bulk: 120 sign-ups and logins would be most of the run
    people = [User(email=f"{prefix}{i}@example.org", name=name_of(f"zz{prefix.upper()}", i, vector),
                   role="learner", password_hash=site.alice.password_hash)
              for prefix, count in (("n", len(VECTORS)), ("s", SILENT)) for i, vector in enumerate(VECTORS[:count])]
    db.add_all(people)
    db.flush()
    db.add_all([Enrolment(user_id=person.id, course_id=site.course.id) for person in people])
    site.writers, site.silent = people[:len(VECTORS)], people[len(VECTORS):]
    site.tokens = {user.id: {"Authorization": f"Bearer {issue_token(db, user)[0]}"}
                   for user in [site.alice, site.bob, site.teacher, *site.writers]}
    db.commit()
    client = app.test_client()

    def send(user, method: str, path: str, body: Any = None):
        return client.open(f"/api/v1/x/discussion/lessons/{site.lesson.id}{path}", method=method, json=body,
                           headers=site.tokens[user.id])

    site.send = send
    assert send(site.teacher, "PUT", "/subscription").status_code == 200
    site.threads, site.openings, site.replies = [], [], []
    for i, vector in enumerate(VECTORS):
        sent = send(site.alice, "POST", "/threads", {"title": title_of(i, vector), "body": opening_body(i)})
        assert sent.status_code == 201, (i, sent.get_json())
        site.threads.append(sent.get_json()["post"]["thread_id"])
        site.openings.append(sent.get_json()["post"]["id"])
    for i in range(len(VECTORS)):
        sent = send(site.writers[i], "POST", f"/threads/{site.threads[i]}/posts",
                    {"body": reply_body(i), "parent_id": site.openings[i], "quote_id": site.openings[i]})
        assert sent.status_code == 201, (i, sent.get_json())
        site.replies.append(sent.get_json()["post"]["id"])
    for i, body in EDITED.items():
        edited = send(site.alice, "PATCH", f"/posts/{site.openings[i]}", {"body": body})
        assert edited.status_code == 200, (i, edited.get_json())
    for i, reason in REASONS.items():
        reported = send(site.bob, "POST", f"/posts/{site.replies[i]}/reports", {"reason": reason})
        assert reported.status_code == 201, (i, reported.get_json())
    site.checker = Checker(app, login)
    return site


def test_no_vector_runs_on_any_page_for_anyone(app, world):
    site, check = world, world.checker
    lid = site.lesson.id
    alice, bob, teacher, writer = site.alice, site.bob, site.teacher, site.writers[0]
    every_title = [title_of(i, v) for i, v in enumerate(VECTORS)]
    every_writer = [w.name for w in site.writers]
    base = f"/x/discussion/lessons/{lid}"
    few = range(3)  # the pages each vector does not need for every role

    for user in (alice, bob, teacher, writer):
        check.page(user, f"/lessons/{lid}", expect=[*every_title, alice.name])
    for i, vector in enumerate(VECTORS):
        expect = [title_of(i, vector), body_now(i)[-5:], f"zzC{i:02d}", site.writers[i].name, alice.name]
        for user in (alice, bob, teacher) if i in few else (bob, teacher):
            found = check.page(user, f"{base}/threads/{site.threads[i]}", expect=expect)
            if found is not None and vector == CODE_SPAN:
                assert "<script>alert(1)</script>" in "".join(found.code_text)
        # the author's edit form: her Markdown in a textarea, and the earlier version
        check.page(alice, f"{base}/posts/{site.openings[i]}/edit", expect=[body_now(i)])
        if i in EDITED:
            for user in (alice, teacher):
                check.page(user, f"{base}/posts/{site.openings[i]}/history", expect=[f"zzE{i:02d}", f"zzB{i:02d}"])
        if i in few or i in REASONS:
            check.page(bob, f"{base}/posts/{site.replies[i]}/report", expect=[f"zzC{i:02d}"])
    for user in (bob, teacher):
        check.page(user, f"{base}/posts/{site.openings[0]}/edit", status=403)
    check.page(writer, f"{base}/posts/{site.replies[0]}/edit", expect=[reply_body(0)])

    reported = list(REASONS)
    check.page(teacher, f"{base}/queue", expect=list(REASONS.values()) + [every_title[i] for i in reported]
               + [every_writer[i] for i in reported] + [f"zzC{i:02d}" for i in reported] + [bob.name])
    # The dashboard's lists are paged (20 unanswered threads a page); it names the first 20 who have
    # not taken part, by name (Bob, who only reported, then the silent learners), the rest are on
    # the participants pages (50 learners a page).
    first_silent = [bob.name] + [s.name for s in site.silent[:19]]
    check.page(teacher, "/x/discussion/dashboard", expect=every_title[:20] + [every_title[i] for i in reported]
               + [alice.name, bob.name] + first_silent)
    check.pages(teacher, "/x/discussion/dashboard", -(-len(VECTORS) // 20), expect=every_title,
                param="unanswered_page")
    learners = len(VECTORS) + SILENT + 2
    check.pages(teacher, f"{base}/participants", -(-learners // 50),
                expect=[*every_writer, alice.name, bob.name, *(s.name for s in site.silent)])
    # 30 notifications a page: the instructor has one per post, Alice one per reply
    check.pages(teacher, "/x/discussion/notifications", -(-2 * len(VECTORS) // 30),
                expect=every_title + every_writer + [alice.name])
    check.pages(alice, "/x/discussion/notifications", -(-len(VECTORS) // 30), expect=every_title + every_writer)
    for user in (bob, alice, writer):
        check.page(user, f"{base}/queue", status=403)
        check.page(user, "/x/discussion/dashboard", status=403)

    # The instructor hides three replies (reason: a vector): the log names the authors, the
    # authors are told why, and see it on their own post.
    for i in few:
        hidden = site.send(teacher, "POST", f"/posts/{site.replies[i]}/moderation",
                           {"action": "hide", "reason": f"zzH{i:02d} {VECTORS[i]}"})
        assert hidden.status_code == 200, hidden.get_json()
    check.page(teacher, f"{base}/log", expect=[site.writers[i].name for i in few]
               + [f"zzH{i:02d} {VECTORS[i]}" for i in few])
    check.page(writer, "/x/discussion/notifications", expect=[title_of(0, VECTORS[0]), "zzH00"])
    check.page(writer, f"{base}/threads/{site.threads[0]}", expect=["zzH00", "zzC00"])

    # The instructor's assessment comment (plain text) reaches the learner's lesson page.
    comments = {i: f"zzG{i:02d} {VECTORS[i]}" for i in (0, VECTORS.index("<IMG SRC=java\0script:alert(\"XSS\")>"))}
    for i, comment in comments.items():
        graded = site.send(teacher, "PUT", f"/participants/{site.writers[i].id}",
                           {"marks": {"depth": 5}, "comment": comment, "complete": False})
        assert graded.status_code == 200, graded.get_json()
    check.page(writer, f"/lessons/{lid}", expect=[comments[0]])
    check.pages(teacher, f"{base}/participants", -(-learners // 50), expect=list(comments.values()))

    # The JSON API: every *html field is inert; plain text comes back exactly as typed.
    api = "/api/v1/x/discussion"
    for user in (alice, bob, teacher):
        headers = site.tokens[user.id]
        listed = check.json(user, f"{api}/lessons/{lid}/threads", headers)
        if listed is not None:
            assert {t["title"] for t in listed["threads"]["items"]} == set(map(shown, every_title))
        check.json(user, f"/api/v1/lessons/{lid}", headers, expect=every_title)
        for i in range(len(VECTORS)) if user is alice else few:
            data = check.json(user, f"{api}/lessons/{lid}/threads/{site.threads[i]}", headers,
                              expect=[body_now(i)[-5:]] + ([f"zzC{i:02d}"] if user is teacher or i not in few else []))
            if data is not None:
                assert shown(title_of(i, VECTORS[i])) == data["thread"]["title"]
                assert alice.name in set(_plain_strings(data))
                if user is teacher or i not in few:
                    assert site.writers[i].name in set(_plain_strings(data))
            if user is not bob and (i in EDITED or i in few):
                check.json(user, f"{api}/lessons/{lid}/posts/{site.openings[i]}/history", headers,
                           expect=[f"zzB{i:02d}"])
        check.json(user, f"{api}/notifications", headers)
    headers = site.tokens[teacher.id]
    still_reported = [reason for i, reason in REASONS.items() if i not in few]
    queued = check.json(teacher, f"{api}/lessons/{lid}/queue", headers, expect=still_reported)
    assert queued is not None and len(queued["queue"]) == len(still_reported)
    # The writers whose only post was hidden have not taken part any more: first by name.
    now_silent = [site.writers[i].name for i in few] + first_silent[:20 - len(few)]
    check.json(teacher, f"{api}/dashboard", headers, expect=every_title[:20] + now_silent)
    listed = []
    for number in range(1, -(-learners // 50) + 1):
        listed += list(_plain_strings(check.json(teacher, f"{api}/lessons/{lid}/participants?page={number}", headers)))
    missing = [e for e in map(shown, every_writer + list(comments.values())) if e not in listed]
    assert not missing, missing[:5]
    check.json(writer, f"/api/v1/lessons/{lid}", site.tokens[writer.id], expect=[comments[0]])
    check.json(teacher, f"{api}/lessons/{lid}/log", headers, expect=[site.writers[0].name])

    assert check.problems == [], "\n".join(check.problems[:60])
    assert check.fetched > 4 * len(VECTORS)


def test_benign_markdown_still_renders(app, discussion, as_api, login):
    """Positive control on the real pages: the checks above would see live markup."""
    site = discussion()
    sent = as_api(site.alice).send("POST", f"/lessons/{site.lesson.id}/threads",
                                   {"title": "zzOK", "body": f"**bold** and [ok](https://example.org)\n\n{CODE_SPAN}"})
    assert sent.status_code == 201
    check = Checker(app, login)
    thread_id = sent.get_json()["post"]["thread_id"]
    found = check.page(site.bob, f"/x/discussion/lessons/{site.lesson.id}/threads/{thread_id}", expect=["bold", "ok"])
    assert check.problems == []
    assert ("strong", {}) in found.tags
    link = next(attrs for tag, attrs in found.tags if tag == "a" and attrs.get("href") == "https://example.org")
    assert "noopener" in link["rel"].split()
    assert "<script>alert(1)</script>" in "".join(found.code_text)
