"""The contract of a lesson type: one class, no Flask request inside.

The core does the web work (routing, permissions, CSRF, transactions, JSON
errors); a lesson type only turns content and learner state into a view, and a
submission into an ``Outcome``. Because the HTML page and the JSON API call
the same two methods, they cannot disagree about what the learner may see or
what a submission is worth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from flask_babel import gettext as _

from elearn.models.progress import Status

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from werkzeug.datastructures import MultiDict

    from elearn.learning.progress import ProgressView
    from elearn.models import Lesson, User


@dataclass(frozen=True)
class Outcome:
    """What a submission did. The core stores it in the learner's progress row."""

    status: Status
    score: float | None = None  # 0.0 to 1.0, for types that grade
    state: dict[str, Any] | None = None  # the new learner state; None keeps the old one
    message: str = ""  # shown to the learner, already translated
    counts_as_attempt: bool = True
    # Keys merged into the learner's state (after ``state``, if both are given): for outcomes decided
    # outside a submission, which should not have to know the whole state.
    state_changes: dict[str, Any] | None = None
    # A regrade may take a completion back (status below "completed"), only where the lesson's pack
    # allows it (e.g. the quiz's ``regrade_may_uncomplete``); otherwise a completed lesson stays so.
    may_uncomplete: bool = False
    # What the type tells the client about this submission, beyond the progress (the workshop's new
    # plan version and its conflicts): ``result`` in the answer of the API and of a page's background
    # post. JSON-able; nothing the learner must not see. Since plugin API 1.3.
    reply: dict[str, Any] | None = None


class SubmissionError(Exception):
    """The learner's input cannot be accepted; ``message`` says why (status 400 or 409)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ContentError:
    """One problem in a lesson's content: where (a field path or file:line) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def content_error(error: Mapping[str, Any]) -> ContentError:
    """One pydantic error as a ``ContentError``: the field path (``cards[2].back``) and what is wrong,
    in the words an author reads in the other messages of a pack."""
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    kind, ctx = error["type"], error.get("ctx") or {}
    messages = {
        "missing": lambda: _("is required"),
        "extra_forbidden": lambda: _("is not a field of this lesson type"),
        "string_type": lambda: _("must be text"),
        "string_too_short": lambda: _("must not be empty"),
        "string_pattern_mismatch": lambda: _("must not be empty"),
        "string_too_long": lambda: _("can be at most %(n)d characters long", n=ctx.get("max_length", 0)),
        "list_type": lambda: _("must be a list"),
        "too_short": lambda: _("must hold at least %(n)d items", n=ctx.get("min_length", 0)),
        "too_long": lambda: _("can hold at most %(n)d items", n=ctx.get("max_length", 0)),
        "dict_type": lambda: _("must be a mapping"),
        "model_type": lambda: _("must be a mapping"),
        "bool_type": lambda: _("must be true or false"),
        "greater_than_equal": lambda: _("must be at least %(n)s", n=ctx.get("ge")),
        "less_than_equal": lambda: _("must be at most %(n)s", n=ctx.get("le")),
        "literal_error": lambda: _("must be one of: %(values)s", values=ctx.get("expected", "")),
    }
    if kind in messages:
        return ContentError(where, messages[kind]())
    if kind.startswith("int_"):
        return ContentError(where, _("must be a whole number"))
    if kind.startswith("float_"):
        return ContentError(where, _("must be a number"))
    # A validator's own ValueError (``value_error``) and anything else: pydantic's sentence.
    return ContentError(where, str(error.get("msg", "")).removeprefix("Value error, "))


class ContentInvalid(Exception):
    """Raised by ``import_content`` with every problem found, not just the first."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class PackFiles(Protocol):
    """Read access to the files of the content pack a lesson comes from."""

    def read_text(self, path: str) -> str:
        """The text of a file inside the pack; raises ``ContentInvalid`` if it is missing or escapes."""
        ...

    def media_url(self, path: str) -> str:
        """The versioned URL (``/media/packs/<pack>/<version>/<path>``) serving a file of the pack,
        for images and links in rendered content; raises ``ContentInvalid`` like ``read_text``."""
        ...

    def name_of(self, path: str) -> str:
        """The pack file that ``read_text(path)`` reads: for a translation, its own file (``x.en.md``)
        when the pack has one. For messages that give a file and a line."""
        ...


@dataclass
class LessonContext:
    """Everything a lesson type may use while serving one learner."""

    lesson: Lesson
    user: User
    progress: ProgressView  # a read-only copy: the core alone writes progress (elearn/learning/progress.py)
    locale: str
    db: Session
    # The page's query parameters (``?page=2``), for types that paginate or filter what they show.
    params: Mapping[str, str] = field(default_factory=dict)
    # Whether the user teaches this course (instructor or admin): staff see moderation tools.
    can_teach: bool = False
    # Whether the user may submit work here (enrolled, lesson current); staff previewing may not.
    can_submit: bool = False
    # Scratch space for the type during one call (e.g. parsed content reused by several steps).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> dict[str, Any]:
        """The stored content in the language served (``content_locale``): the lesson's translation
        into ``locale`` when it has one (``import_translation``), else its canonical content."""
        return self.lesson.content_for(self.locale)

    @property
    def content_locale(self) -> str:
        """The language of ``content``: ``locale`` when the lesson has it, else ``"vi"``."""
        return self.lesson.content_locale(self.locale)

    @property
    def state(self) -> dict[str, Any]:
        return self.progress.state or {}


@dataclass(frozen=True)
class NavItem:
    """A link a plugin adds to a page. Data, not HTML: the core renders and escapes it."""

    label: str
    url: str


class LessonType:
    """Base class for lesson types. Override what your type needs.

    ``name`` is stored in every lesson of this type, so never change it once
    lessons exist. ``template`` names a Jinja template (``"<plugin>/<file>"``)
    that renders the dict returned by ``learner_view`` as ``view``.
    """

    name: ClassVar[str]
    labels: ClassVar[Mapping[str, str]]  # {"vi": ..., "en": ...}
    template: ClassVar[str]
    # The shape of a JSON submission: a pydantic model (or an ``Annotated`` union of models), which
    # the core checks every JSON submission against (a 400 naming the field) and publishes in
    # /api/v1/openapi.json as ``Submission_<name>``.
    submission_model: ClassVar[Any] = None
    # Or only a JSON Schema dict: published the same way, but not checked by the core.
    submission_schema: ClassVar[dict[str, Any] | None] = None
    # The shape of the authored content: a pydantic model the default ``import_content`` checks the
    # content against, reporting every problem as a ``ContentError`` with its field path
    # (``cards[2].back: must be text``), and whose JSON dump is what is stored. Declaring it saves
    # the hand-written checks, and the messages have the same form for every type.
    content_model: ClassVar[Any] = None

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("vi") or self.name

    def import_content(self, raw: Mapping[str, Any], files: PackFiles) -> dict[str, Any]:
        """Check authored content and return what is stored on the lesson.

        Raise ``ContentInvalid`` with every error found. Do expensive, pure work
        here (rendering Markdown, parsing question files) so serving stays cheap. The default
        checks ``raw`` against ``content_model`` when the type declares one (``check_content``),
        else stores it as it is.
        """
        if self.content_model is not None:
            return self.check_content(raw)
        return dict(raw)

    def check_content(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """``raw`` checked against ``content_model``, as JSON; ``ContentInvalid`` with every problem.

        Strict (YAML's ``"3"`` is not a number), so what an author wrote is what is stored. A type
        that needs more (reading files, rendering Markdown) calls it first, then does its own work.
        """
        from pydantic import TypeAdapter, ValidationError

        adapter = TypeAdapter(self.content_model)
        try:
            checked = adapter.validate_python(dict(raw), strict=True)
        except ValidationError as exc:
            raise ContentInvalid([content_error(error) for error in exc.errors(include_url=False)]) from None
        return adapter.dump_python(checked, mode="json")

    def import_translation(
        self, canonical: Mapping[str, Any], raw: Mapping[str, Any], files: PackFiles, locale: str
    ) -> dict[str, Any]:
        """Check the lesson's authored content in ``locale`` and return what is stored for that language.

        ``canonical`` is what ``import_content`` returned for the Vietnamese; ``raw`` and ``files``
        are the content resolved for ``locale`` (its texts, its files such as ``x.en.md``). Called
        only when the author gave something in that language. The default imports ``raw`` as new
        content. A type whose learners' records name parts of the content (question and choice ids,
        right answers) overrides it to keep the canonical structure and take only the texts,
        raising ``ContentInvalid`` when the translation does not match it.
        """
        return self.import_content(raw, files)

    def update_refusals(self, db: Session, lesson: Lesson, content: Mapping[str, Any]) -> list[str]:
        """Why a new version of a pack may not replace ``lesson``'s stored content with ``content``
        (what ``import_content`` returned for it): each reason a sentence, none by default.

        For what the learners' records make permanent (a survey answered anonymously stays
        anonymous). Checked at ``elearn pack validate`` against the site's database and before an
        install writes anything; refused even with ``force``. Plugin API 1.2."""
        return []

    def example_content(self) -> dict[str, Any]:
        """Authored content for a small working lesson of this type (scaffolds, tests)."""
        return {}

    def example_lesson(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The example ``elearn pack new`` writes: authored content and the files it names (path in
        the pack to bytes), for a type whose best example needs files (a video). The default is
        ``example_content()`` and no files."""
        return self.example_content(), {}

    def learner_view(self, ctx: LessonContext) -> dict[str, Any]:
        """The learner's view as JSON-able data: the template's ``view`` and the API's body.

        Never put in it anything the learner must not see yet.
        """
        raise NotImplementedError

    def parse_form(self, form: MultiDict[str, str]) -> dict[str, Any]:
        """Turn an HTML form post into the same dict shape a JSON submission has."""
        return {key: value for key, value in form.items() if key != "csrf_token"}

    def submit(self, ctx: LessonContext, data: Mapping[str, Any]) -> Outcome:
        """Accept a learner's submission (from a form or JSON) and say what it is worth.

        Raise ``SubmissionError`` for input that cannot be accepted; nothing is stored then.
        """
        raise SubmissionError(_("This lesson does not take submissions."))

    def instructor_links(self, lesson: Lesson) -> list[NavItem]:
        """Links shown to the lesson's instructors (grading queues, reports)."""
        return []
