"""The public plugin API: every name a plugin may import from elearn, in one module.

A plugin imports from here and nowhere else in ``elearn`` (``tests/test_plugin_boundary.py``
fails when a plugin under ``plugins/`` does otherwise, or when the core imports a plugin), so
the core may be reorganised without breaking anyone. ``API_VERSION`` follows semantic
versioning: a name is added in a minor release, changed or removed only in a major one. A
plugin states the versions it works with as ``ELEARN_PLUGIN_API = ">=1,<2"`` in the module its
entry point names; a plugin that asks for another version is refused and /admin/plugins says why.

The names, by what they are for (each is documented where it is defined, and in docs/plugins.md):

- hooks: ``hookimpl``;
- lesson types: ``LessonType``, ``LessonContext``, ``Outcome``, ``Status``, ``SubmissionError``,
  ``ContentError``, ``ContentInvalid``, ``PackFiles``, ``NavItem``;
- a request: ``db_session``, ``fail``, ``flash_refusal``, ``safe_next``, ``current_locale``,
  ``api_user``, ``token_required``;
- describing an API: ``operation``, ``RequestModel``, ``ResponseModel``, ``Id``, ``Integral``,
  ``Text``, ``JsonTrue``, ``MAX_ID``, ``no_content``;
- the plugin's own tables: ``Base``, ``JSONType``, ``UTCDateTime``, ``insert_if_missing``,
  ``get_database``;
- learners and lessons: ``learner_lesson``, ``LearnerLesson``, ``lesson_to_teach``, ``get_lesson``,
  ``teaches_course``, ``CANONICAL_LOCALE``;
- progress, written only by the core: ``record_outcome`` (one learner), ``reassess`` (many, after a
  regrade), ``lock_progress`` (before changing your rows of those learners), ``ProgressView`` (what
  ``ctx.progress`` is), ``SubmitResult``; read: ``lesson_scores`` (every learner's score in some
  lessons, one statement; since 1.3);
- state by scope, kept by the core (``elearn/state.py``): ``StateDocument`` (one kind of JSON
  document of your plugin: ``get(db, **subject)`` gives ``(data, version)``, ``put(db, data,
  expected_version=..., **subject)`` the new version), ``Scope`` (``LESSON``, ``LEARNER_LESSON``,
  ``LEARNER_COURSE``, ``LEARNER``, ``GROUP``), ``Versioned``, ``StaleState`` (a stale write was
  refused: a 409), ``StateInvalid`` (the data does not fit the model: a 400). Documents are
  namespaced by the plugin name the handle gives; who may write one is the plugin's to check;
  deleting a user, course, lesson or group deletes its documents;
- people: ``User``, ``Role``, ``display_name``, ``name_with_role``, ``matching``;
- courses and groups (read them, in queries): ``Course``, ``Lesson``, ``Enrolment``,
  ``CourseInstructor``, ``CourseGroup``, ``GroupMember``;
- organisations and profiles (read them, in queries; the core writes them): ``AdminUnit``
  (province, area, ward or commune: ``UnitLevel``; ``province_id``/``area_id`` name its ancestors),
  ``Cooperative`` (``kind``: ``CooperativeKind``; ``track``: ``Track``, from its unit),
  ``LearnerProfile`` (``Position``), and ``learner_cooperative(db, user_id)`` /
  ``learner_cooperatives(db, user_ids)`` (one query for a whole report; ``.unit`` loaded). A
  learner's profile is shown to that learner and to staff only: never put it on another learner's page;
- text: ``render_markdown``, ``sanitise_html``, ``format_when``;
- the render cache (elearn/render_cache): ``lesson_fragment`` (a part of a lesson the same for every
  reader, kept by lesson, content version and locale) and ``shared_fragment`` (a part kept by a
  kind and the key you give: a post's version, the kind of reader), both also Jinja call blocks;
- exports: ``write_csv`` (UTF-8 with a BOM, spreadsheet formulas neutralised, as the core's own CSV files);
- lists and limits: ``paginate``, ``Page``, ``rate_limiter``;
- files: ``INLINE_TYPES``, ``SVG_POLICY``, ``media_folder`` (where to keep stored files: they are backed up);
- time and the command line: ``utcnow``, ``app_context``;
- background jobs (docs/plugins.md, "Background jobs"): ``Task`` (what ``elearn_tasks`` returns),
  ``crontab`` (a ``Task``'s ``schedule``), ``enqueue`` (start a job after the transaction commits;
  a ``key`` makes it idempotent), ``QueuedJob`` (what it answers), ``JobContext`` (what a task
  runs with: its transaction ``db``, ``attempt``, ``enqueue`` for more jobs), ``JobError`` (a
  failure retrying cannot mend);
- pages that are not lessons (data plus a template name, never HTML; elearn/plugins/surfaces.py):
  ``Panel`` (a section of ``/me`` or a course page, from ``elearn_dashboard_panels`` and
  ``elearn_course_panels``), ``CourseAccess`` (what the viewer of a course page may do),
  ``ProfileField`` (``elearn_profile_fields``), ``ReportColumn`` (``elearn_report_columns``);
  admin tabs are ``NavItem``s (``elearn_admin_nav``);
- what a plugin declares (elearn/plugins/settings.py): ``Setting`` (``elearn_settings``, read back
  with ``plugin_setting``), ``ManifestKey`` (``elearn_manifest_keys``, the installed values read
  back with ``pack_extensions``), ``FileLimit`` (``elearn_pack_file_limits``: a larger size limit for
  pack files with some endings, such as videos);
- telling users (elearn/plugins/notifications.py): ``Notification``, ``NotificationChannel``
  (``elearn_notification_channels``), ``notify``;
- staff actions on record (elearn/audit): ``audit_record(db, actor, action, subject_type=...,
  subject_id=..., summary=..., details=...)`` adds a row to the append-only audit log in the
  caller's transaction (the quiz's manual grading records ``grade.changed``);
- PDF documents (elearn/pdf): ``PdfDocument`` (an A4 page with the site's title, headings,
  paragraphs, tables, images and QR codes, in a font with every Vietnamese letter) and
  ``pdf_response`` (the bytes as a download);
- questions one plugin asks inside another's lessons (elearn/plugins/questions.py): ``QuestionKind``
  (what ``elearn_question_kinds`` returns), ``QuestionGrade`` (what its ``grade`` says),
  ``question_kinds`` (the kinds offered, by authored ``type``); and ``content_note`` (a note to the
  pack's author that is not an error, printed by ``elearn pack validate``);
- gateways to a phone or an address (elearn/plugins/senders.py, since 1.2): ``MessageSender`` (what
  ``elearn_message_senders`` returns: an SMS gateway or a mailer, used by the core for sign-in
  codes), ``Message`` (what it sends), ``send_message`` (send through the site's sender of a kind).
"""

from __future__ import annotations

from elearn.api.auth import api_user, token_required
from elearn.audit import record as audit_record
from elearn.auth.names import display_name, matching, name_with_role
from elearn.cli import app_context
from elearn.clock import utcnow
from elearn.contract import MAX_ID, Id, Integral, JsonTrue, RequestModel, ResponseModel, Text, no_content, operation
from elearn.csvfiles import write_csv
from elearn.db import Base, db_session, get_database, insert_if_missing
from elearn.db.types import JSONType, UTCDateTime
from elearn.i18n import current_locale, format_when
from elearn.jobs import JobContext, JobError, QueuedJob, Task, crontab, enqueue
from elearn.learning.progress import (
    ProgressView,
    SubmitResult,
    lesson_scores,
    lock_progress,
    reassess,
    record_outcome,
)
from elearn.learning.service import LearnerLesson, get_lesson, learner_lesson, lesson_to_teach
from elearn.markdown import render_markdown, sanitise_html
from elearn.media import INLINE_TYPES, SVG_POLICY, media_folder
from elearn.models import (
    AdminUnit,
    Cooperative,
    CooperativeKind,
    Course,
    CourseGroup,
    CourseInstructor,
    Enrolment,
    GroupMember,
    LearnerProfile,
    Lesson,
    Position,
    Role,
    Scope,
    Track,
    UnitLevel,
    User,
)
from elearn.models.courses import CANONICAL_LOCALE
from elearn.models.progress import Status
from elearn.packs.installer import pack_extensions
from elearn.pagination import Page, paginate
from elearn.pdf import PdfDocument, pdf_response
from elearn.permissions import CourseAccess, teaches_course
from elearn.plugins.api_version import API_VERSION
from elearn.plugins.hookspecs import hookimpl
from elearn.plugins.lesson_type import (
    ContentError,
    ContentInvalid,
    LessonContext,
    LessonType,
    NavItem,
    Outcome,
    PackFiles,
    SubmissionError,
)
from elearn.plugins.notifications import Notification, NotificationChannel, notify
from elearn.plugins.questions import QuestionGrade, QuestionKind, content_note, question_kinds
from elearn.plugins.senders import Message, MessageSender, send_message
from elearn.plugins.settings import FileLimit, ManifestKey, Setting, plugin_setting
from elearn.plugins.surfaces import Panel, ProfileField, ReportColumn
from elearn.profile.service import learner_cooperative, learner_cooperatives
from elearn.rate_limits import rate_limiter
from elearn.render_cache import lesson_fragment, shared_fragment
from elearn.security import fail, flash_refusal, safe_next
from elearn.state import StaleState, StateDocument, StateInvalid, Versioned

__all__ = [
    "API_VERSION",
    "CANONICAL_LOCALE",
    "INLINE_TYPES",
    "MAX_ID",
    "SVG_POLICY",
    "AdminUnit",
    "Base",
    "ContentError",
    "ContentInvalid",
    "Cooperative",
    "CooperativeKind",
    "Course",
    "CourseAccess",
    "CourseGroup",
    "CourseInstructor",
    "Enrolment",
    "FileLimit",
    "GroupMember",
    "Id",
    "Integral",
    "JSONType",
    "JobContext",
    "JobError",
    "JsonTrue",
    "LearnerLesson",
    "LearnerProfile",
    "Lesson",
    "LessonContext",
    "LessonType",
    "ManifestKey",
    "Message",
    "MessageSender",
    "NavItem",
    "Notification",
    "NotificationChannel",
    "Outcome",
    "PackFiles",
    "Page",
    "Panel",
    "PdfDocument",
    "Position",
    "ProfileField",
    "ProgressView",
    "QuestionGrade",
    "QuestionKind",
    "QueuedJob",
    "ReportColumn",
    "RequestModel",
    "ResponseModel",
    "Role",
    "Scope",
    "Setting",
    "StaleState",
    "StateDocument",
    "StateInvalid",
    "Status",
    "SubmissionError",
    "SubmitResult",
    "Task",
    "Text",
    "Track",
    "UTCDateTime",
    "UnitLevel",
    "User",
    "Versioned",
    "api_user",
    "app_context",
    "audit_record",
    "content_note",
    "crontab",
    "current_locale",
    "db_session",
    "display_name",
    "enqueue",
    "fail",
    "flash_refusal",
    "format_when",
    "get_database",
    "get_lesson",
    "hookimpl",
    "insert_if_missing",
    "learner_cooperative",
    "learner_cooperatives",
    "learner_lesson",
    "lesson_fragment",
    "lesson_scores",
    "lesson_to_teach",
    "lock_progress",
    "matching",
    "media_folder",
    "name_with_role",
    "no_content",
    "notify",
    "operation",
    "pack_extensions",
    "paginate",
    "pdf_response",
    "plugin_setting",
    "question_kinds",
    "rate_limiter",
    "reassess",
    "record_outcome",
    "render_markdown",
    "safe_next",
    "sanitise_html",
    "send_message",
    "shared_fragment",
    "teaches_course",
    "token_required",
    "utcnow",
    "write_csv",
]
