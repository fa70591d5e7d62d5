"""Taking part: the counts a completion rule looks at, the learner's progress that follows from
them, and the instructor's assessment (rubric marks, comment, sign-off).

Only visible posts count: a post waiting for approval, hidden or withdrawn does not.
``posts`` counts every visible post (threads started and replies), ``replies`` only replies to
others: replies in a thread someone else started. A learner answering in her own thread is
still talking to herself as far as a "reply to others" rule goes (issue 11: three posts in her
own thread completed such a rule), so those replies count as posts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, exists, false, func, or_, select, update
from sqlalchemy.orm import Session

from elearn.plugin_api import (
    CourseGroup,
    Enrolment,
    GroupMember,
    LearnerLesson,
    Lesson,
    Outcome,
    Page,
    Status,
    User,
    audit_record,
    fail,
    insert_if_missing,
    matching,
    paginate,
    record_outcome,
    utcnow,
)
from elearn_discussion.content import Settings
from elearn_discussion.models import AuthorCounts, Participation, Post, PostState, Thread


@dataclass(frozen=True)
class Counts:
    posts: int = 0
    replies: int = 0
    waiting: int = 0


def _counted():
    """The three counts of ``Counts``, as SQL over a learner's posts joined to their threads (one
    learner, or grouped by author): a reply counts as a reply only in someone else's thread."""
    visible = Post.state == PostState.VISIBLE
    to_others = and_(visible, ~Post.is_opening, Thread.author_id != Post.author_id)
    return (func.count().filter(visible).label("posts"),
            func.count().filter(to_others).label("replies"),
            func.count().filter(Post.state == PostState.PENDING).label("waiting"))


def counts(db: Session, lesson_id: int, user_id: int) -> Counts:
    row = db.execute(select(*_counted()).join(Thread, Thread.id == Post.thread_id)
                     .where(Post.lesson_id == lesson_id, Post.author_id == user_id)).one()
    return Counts(*row)


def rule_met(settings: Settings, found: Counts, signed_off: bool) -> bool:
    if signed_off:
        return True
    rule = settings.completion
    if rule in ("instructor", "none"):
        return False
    return found.posts >= max(rule["posts"], 1) and found.replies >= rule["replies"]


def rule_text(settings: Settings) -> str:
    rule = settings.completion
    if rule == "instructor":
        return _("This discussion is completed when an instructor marks your participation as complete.")
    if rule == "none":
        return _("Take part as you like: this discussion has no completion rule.")
    posts = max(rule["posts"], rule["replies"], 1)
    at_least = ngettext("at least %(num)d post", "at least %(num)d posts", posts)
    if rule["replies"]:
        replies = ngettext("at least %(num)d reply in a thread started by someone else",
                           "at least %(num)d replies in threads started by someone else", rule["replies"])
        return _("To complete this discussion: %(posts)s, of which %(replies)s (a reply in your own thread "
                 "counts as a post, not as a reply to others).", posts=at_least, replies=replies)
    return _("To complete this discussion: %(posts)s.", posts=at_least)


def refresh(db: Session, lesson: Lesson, user_id: int, known: LearnerLesson | None = None) -> None:
    """Recount a learner's posts from what is visible now, after a change to posts already there (a
    moderator's decision, an edit, a withdrawal, a grade), store the counts and the progress that
    follows. The counts' row is locked first, so on PostgreSQL the count sees a reply committed by
    a request that held it."""
    _add_counts(db, lesson.id, user_id, Counts())
    found = counts(db, lesson.id, user_id)
    db.execute(update(AuthorCounts).where(AuthorCounts.lesson_id == lesson.id, AuthorCounts.user_id == user_id)
               .values(posts=found.posts, replies=found.replies, waiting=found.waiting))
    _record(db, lesson, user_id, found, _assessment(db, lesson.id, user_id), known)


def added(db: Session, lesson: Lesson, post: Post, thread: Thread, known: LearnerLesson | None = None) -> None:
    """A learner's new post: one more in their stored counts (one statement, however many posts
    they have), and the progress that follows."""
    visible = post.state == PostState.VISIBLE
    found = _add_counts(db, lesson.id, post.author_id, Counts(
        posts=int(visible), replies=int(visible and not post.is_opening and thread.author_id != post.author_id),
        waiting=int(post.state == PostState.PENDING)))
    progress = known.progress if known is not None and known.access.user is not None \
        and known.access.user.id == post.author_id else None
    # The progress row loaded with the lesson carries the assessment (``_record`` keeps it there).
    assessment = (progress.state or {}).get("assessment") if progress is not None \
        else _assessment(db, lesson.id, post.author_id)
    _record(db, lesson, post.author_id, found, assessment, known)


def _add_counts(db: Session, lesson_id: int, user_id: int, delta: Counts) -> Counts:
    """``delta`` added to the author's stored counts, created at ``delta`` if missing: the new counts."""
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = AuthorCounts.__table__
    values = {"posts": delta.posts, "replies": delta.replies, "waiting": delta.waiting}
    statement = insert(table).values(lesson_id=lesson_id, user_id=user_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.lesson_id, table.c.user_id],
        set_={name: table.c[name] + statement.excluded[name] for name in values},
    ).returning(table.c.posts, table.c.replies, table.c.waiting)
    return Counts(*db.execute(statement).one())


def _assessment(db: Session, lesson_id: int, user_id: int) -> dict[str, Any] | None:
    """The instructor's assessment as the progress state keeps it, or None."""
    row = db.scalar(select(Participation).where(Participation.lesson_id == lesson_id,
                                                Participation.user_id == user_id))
    if row is None:
        return None
    return {"marks": row.marks, "score": row.score, "comment": row.comment, "complete": row.signed_off,
            "graded_at": row.graded_at.isoformat() if row.graded_at else None}


def _record(db: Session, lesson: Lesson, user_id: int, found: Counts, assessment: dict[str, Any] | None,
            known: LearnerLesson | None) -> None:
    """Store the learner's progress on the discussion (a completed discussion stays completed: the
    core keeps it). The progress state carries the counts and the instructor's assessment, so the
    lesson page shows them without another query."""
    settings = Settings.of(lesson.content)
    signed_off = assessment is not None and bool(assessment["complete"])
    if rule_met(settings, found, signed_off):
        status = Status.COMPLETED
    elif found.posts or found.waiting:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    state: dict[str, Any] = {"posts": found.posts, "replies": found.replies}
    if assessment is not None:
        state["assessment"] = assessment
    record_outcome(db, db.get(User, user_id), lesson, Outcome(
        status=status, score=assessment["score"] if assessment is not None else None, counts_as_attempt=False,
        state=state), known=known)


def assess(db: Session, lesson: Lesson, grader: User, learner_id: int, marks: Any, comment: Any,
           signed_off: Any) -> Participation:
    """Store an instructor's marks per rubric criterion, comment and sign-off for one learner."""
    settings = Settings.of(lesson.content)
    enrolled = db.scalar(select(Enrolment.id).where(Enrolment.user_id == learner_id,
                                                    Enrolment.course_id == lesson.course_id))
    if enrolled is None:
        fail(404, _("This learner is not enrolled in the course."))
    clean = _marks(settings, marks)
    if not isinstance(comment, str) or len(comment) > 5_000:
        fail(400, _("The comment must be text of at most 5,000 characters."))
    if not isinstance(signed_off, bool):
        fail(400, _("“complete” must be true or false."))
    # Created if missing and locked: two instructors assessing at once take turns.
    insert_if_missing(db, Participation, ["lesson_id", "user_id"], lesson_id=lesson.id, user_id=learner_id,
                      marks={}, comment="", signed_off=False)
    row = db.scalars(select(Participation).where(Participation.lesson_id == lesson.id,
                                                 Participation.user_id == learner_id)
                     .with_for_update().execution_options(populate_existing=True)).one()
    before = (dict(row.marks or {}), row.score, row.signed_off)
    row.marks = clean
    row.score = sum(clean.values()) / settings.rubric_total if settings.rubric and clean else None
    row.comment = comment.replace("\0", "\ufffd").strip()  # PostgreSQL text cannot hold NUL
    row.signed_off = signed_off
    row.graded_by, row.graded_at = grader.id, utcnow()
    if before != (row.marks, row.score, row.signed_off):
        learner = db.get(User, learner_id)
        audit_record(db, grader, "grade.changed", subject_type="discussion_participation", subject_id=row.id,
                     summary=f"{learner.name} — {lesson.title_vi}: {_percent(before[1])} → {_percent(row.score)}",
                     details={"lesson_id": lesson.id, "user_id": learner_id, "marks": row.marks,
                              "previous_marks": before[0], "signed_off": row.signed_off,
                              "previously_signed_off": before[2]})
    db.flush()
    refresh(db, lesson, learner_id)
    return row


def _percent(score: float | None) -> str:
    return "—" if score is None else f"{round(score * 100)}%"


def _marks(settings: Settings, marks: Any) -> dict[str, float]:
    if marks in (None, {}):
        return {}
    if not isinstance(marks, Mapping):
        fail(400, _("Marks must be given per rubric criterion."))
    criteria = {item["id"]: item for item in settings.rubric}
    unknown = set(marks) - set(criteria)
    if unknown:
        fail(400, _("Unknown rubric criteria: %(names)s.", names=", ".join(sorted(map(str, unknown)))))
    clean = {}
    for key, value in marks.items():
        if value in (None, ""):
            continue
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            number = -1.0
        if isinstance(value, bool) or not 0 <= number <= criteria[key]["points"]:
            fail(400, _("The mark for “%(criterion)s” must be between 0 and %(points)d.",
                        criterion=criteria[key]["title"], points=criteria[key]["points"]))
        clean[key] = number
    return clean


PAGE_SIZE = 50  # learners per page of the participants list: a page stays light on a 2G link
STATUSES = ("complete", "incomplete", "silent", "waiting")  # the participants list's status filter


def overview(db: Session, lesson: Lesson, page: Any = 1, query: str = "", status: str = "",
             group_id: int | None = None, per_page: int = PAGE_SIZE) -> Page:
    """One page of the enrolled learners by name, with their counts, helpful marks received and
    assessment, narrowed by name or email (``query``), by ``status`` (complete, not complete, not
    taken part, with posts waiting) and by group: two queries, whatever the number of learners.
    Completion is decided in SQL with the same rule as ``rule_met``, so the filter and the badge agree."""
    settings = Settings.of(lesson.content)
    visible = Post.state == PostState.VISIBLE
    per_author = (
        select(Post.author_id, *_counted(),
               func.coalesce(func.sum(case((visible, Post.helpful_count), else_=0)), 0).label("helpful"))
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.lesson_id == lesson.id)
        .group_by(Post.author_id)
        .subquery()
    )
    posts, replies = func.coalesce(per_author.c.posts, 0), func.coalesce(per_author.c.replies, 0)
    waiting = func.coalesce(per_author.c.waiting, 0)
    complete = func.coalesce(Participation.signed_off, false())
    rule = settings.completion
    if rule not in ("instructor", "none"):
        complete = or_(complete, and_(posts >= max(rule["posts"], 1), replies >= rule["replies"]))
    rows = (
        select(User, posts, replies, waiting, per_author.c.helpful, Participation, complete.label("complete"))
        .join(Enrolment, and_(Enrolment.user_id == User.id, Enrolment.course_id == lesson.course_id))
        .outerjoin(per_author, per_author.c.author_id == User.id)
        .outerjoin(Participation, and_(Participation.lesson_id == lesson.id, Participation.user_id == User.id))
        .order_by(User.name, User.id)
    )
    status = status if status in STATUSES else ""
    if status == "complete":
        rows = rows.where(complete)
    elif status == "incomplete":
        rows = rows.where(~complete)
    elif status == "silent":
        rows = rows.where(posts + waiting == 0)
    elif status == "waiting":
        rows = rows.where(waiting > 0)
    if group_id is not None:
        rows = rows.where(exists().where(GroupMember.user_id == User.id, GroupMember.group_id == group_id,
                                         GroupMember.course_id == lesson.course_id))
    found = paginate(db, matching(rows, query), page, per_page=per_page, scalars=False,
                     args={"q": query, "status": status, "group": group_id})
    found.items = [{"user": user, "counts": Counts(posts, replies, waiting), "helpful": helpful or 0,
                    "assessment": assessment, "complete": bool(done)}
                   for user, posts, replies, waiting, helpful, assessment, done in found.items]
    return found


def filter_groups(db: Session, lesson: Lesson) -> list[CourseGroup]:
    """The groups the participants list may be narrowed to: the discussion's group set when it is
    held in groups, else every group of the course."""
    settings = Settings.of(lesson.content)
    groups = select(CourseGroup).where(CourseGroup.course_id == lesson.course_id)
    if settings.group_set is not None:
        groups = groups.where(CourseGroup.group_set == settings.group_set)
    return list(db.scalars(groups.order_by(CourseGroup.title_vi, CourseGroup.id)))
