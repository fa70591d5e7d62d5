"""HTML pages of the learner's path. Each view is a thin shell around ``service``."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from elearn.api import serialize
from elearn.db import db_session
from elearn.i18n import LOCALE_SESSION_KEY
from elearn.learning import outline, service
from elearn.plugins.budget import PluginUnavailable
from elearn.plugins.isolation import recover
from elearn.plugins.surfaces import Panel, collect, render_panels
from elearn.security import safe_next

bp = Blueprint("learning", __name__)


def _user():
    return current_user if current_user.is_authenticated else None


@bp.get("/")
def catalogue():
    courses = outline.catalogue(db_session(), _user())
    return render_template("learning/catalogue.html", courses=courses)


@bp.get("/me")
@login_required
def dashboard():
    db = db_session()
    user = current_user._get_current_object()
    found = collect(current_app.extensions["elearn_plugins"], "elearn_dashboard_panels", Panel, user=user, db=db)
    return render_template("learning/dashboard.html", panels=render_panels(found, db))


@bp.get("/courses/<slug>")
def course(slug: str):
    db = db_session()
    page = service.course_page(db, _user(), slug)
    course = page.progress.course
    found = collect(current_app.extensions["elearn_plugins"], "elearn_course_panels", Panel,
                    user=page.access.user, course=course, access=page.access, db=db)
    return render_template("learning/course.html", page=page, course=course,
                           panels=render_panels(found, db, course=course))


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    db = db_session()
    _enrolment, created = service.enrol(db, current_user, slug)
    db.commit()
    if created:
        flash(_("You are enrolled. Welcome to the course!"), "success")
    return redirect(url_for("learning.course", slug=slug), code=303)


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    page = service.lesson_page(db_session(), current_user, lesson_id, request.args.to_dict())
    body = None
    if page.view is not None:
        try:
            body = Markup(
                service.call_lesson_type(
                    page.lesson,
                    render_template,
                    page.lesson_type.template,
                    view=page.view,
                    lesson=page.lesson,
                    progress=page.progress,
                    can_submit=page.access.can_submit(page.lesson),
                    can_teach=page.access.can_teach,
                    content_locale=page.content_locale,
                )
            )
        except PluginUnavailable:
            page.error = service.plugin_unavailable_message()
        except Exception:
            current_app.logger.exception("template of lesson type %s failed", page.lesson.type_name)
            recover(db_session(), f"the template of lesson type {page.lesson.type_name}")
            page.error = service.plugin_failure_message()
    return render_template("learning/lesson.html", page=page, body=body, course=page.lesson.course)


@bp.post("/lessons/<int:lesson_id>/submit")
@login_required
def submit(lesson_id: int):
    db = db_session()
    result = service.submit(db, current_user, lesson_id, form=request.form)
    db.commit()
    if result.outcome.message:
        flash(result.outcome.message, "success")
    if result.course_completed:
        flash(_("Congratulations! You have completed the course."), "success")
    if request.accept_mimetypes.best == "application/json":
        # A page script posting the form in the background (the quiz's autosave): an answer it can read,
        # as the API's, instead of a redirect to a page it would not show (a message is still flashed
        # for the page it loads next). Refusals keep their status.
        return jsonify(progress=serialize.progress(result.progress), message=result.outcome.message,
                       course_completed=result.course_completed, result=result.outcome.reply)
    # Straight to the next step: on a phone the learner need not scroll back past the lesson.
    return redirect(url_for("learning.lesson", lesson_id=lesson_id, _anchor="next-step"), code=303)


@bp.post("/language")
def language():
    """Switch the interface language; saved on the account when logged in."""
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        session[LOCALE_SESSION_KEY] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db_session().commit()
    return redirect(safe_next(request.form.get("next"), url_for("learning.catalogue")), code=303)
