"""A survey's results: counts, percentages, means and distributions, by question, for the people chosen
by the filters (cooperative kind, area, track, position), and the free-text answers.

Computed from one query (every response's answers and profile), so a results page costs the same
number of queries with 10 responses or 10,000. An anonymous survey shows nothing of a group of fewer
than ``MIN_GROUP`` respondents (the whole survey, or the people a filter picks): a small group's
answers could be matched to the few people known to be in it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from elearn.plugin_api import AdminUnit, CooperativeKind, Position, Track, UnitLevel, fail
from elearn_survey.definition import OTHER, RATING
from elearn_survey.models import Response

MIN_GROUP = 5
FILTERS = ("kind", "area", "track", "position")
NUMERIC_BINS = 5
KIND_LABELS = {CooperativeKind.AGRICULTURAL: _l("Agricultural"), CooperativeKind.NON_AGRICULTURAL:
               _l("Non-agricultural"), CooperativeKind.CREDIT_FUND: _l("People's credit fund"),
               CooperativeKind.UNION: _l("Union of cooperatives")}
TRACK_LABELS = {Track.URBAN: _l("Urban"), Track.RURAL: _l("Rural")}
POSITION_LABELS = {Position.DIRECTOR: _l("Director"), Position.BOARD_CHAIR: _l("Chair of the board"),
                   Position.BOARD_MEMBER: _l("Board member"), Position.CONTROLLER: _l("Controller"),
                   Position.ACCOUNTANT: _l("Accountant"), Position.MEMBER: _l("Member"), Position.OTHER: _l("Other")}


def plain(html: str) -> str:
    """An authored text without its markup: for chart labels and spreadsheet cells."""
    return Markup(html).striptags()


def filter_choices(db) -> dict[str, list[tuple[str, str]]]:
    """What each filter offers, value → label (areas from the organisations' units: one query)."""
    areas = db.execute(select(AdminUnit.id, AdminUnit.name).where(AdminUnit.level == UnitLevel.AREA)
                       .order_by(AdminUnit.name)).all()
    return {"kind": [(k.value, str(label)) for k, label in KIND_LABELS.items()],
            "area": [(str(unit_id), name) for unit_id, name in areas],
            "track": [(t.value, str(label)) for t, label in TRACK_LABELS.items()],
            "position": [(p.value, str(label)) for p, label in POSITION_LABELS.items()]}


def read_filters(args: Mapping[str, Any]) -> dict[str, str]:
    """The filters asked for (empty ones left out); a value no filter has is a 400."""
    allowed = {"kind": {k.value for k in CooperativeKind}, "track": {t.value for t in Track},
               "position": {p.value for p in Position}}
    found = {}
    for name in FILTERS:
        value = args.get(name)
        if value in (None, ""):
            continue
        value = str(value)
        if (name == "area" and not value.isdigit()) or (name != "area" and value not in allowed[name]):
            fail(400, _("%(value)s is not a value of the filter %(name)s.", value=repr(value), name=name))
        found[name] = value
    return found


def matching(rows: Iterable[Response], filters: Mapping[str, str]) -> list[Response]:
    return [r for r in rows if all(str((r.profile or {}).get(name)) == value for name, value in filters.items())]


def responses(db, lesson) -> list[Response]:
    """Every response, in the order of their random ids (never the order they came in)."""
    return list(db.scalars(select(Response).where(Response.lesson_id == lesson.id).order_by(Response.id)))


def suppression(content: Mapping[str, Any], count: int, filters: Mapping[str, str]) -> str | None:
    """Why nothing may be shown of these respondents, or None."""
    if not content["anonymous"] or count >= MIN_GROUP:
        return None
    if filters:
        return _("Fewer than %(num)d people match these filters: in an anonymous survey their answers could "
                 "tell who they are, so nothing is shown. Choose wider filters.", num=MIN_GROUP)
    return _("This anonymous survey shows results once at least %(num)d people have answered.", num=MIN_GROUP)


def summary(db, lesson, content: Mapping[str, Any], filters: Mapping[str, str],
            for_respondents: bool = False, rows: list[Response] | None = None) -> dict[str, Any]:
    """The figures of every question (free texts only counted: they are listed by ``texts``)."""
    everyone = responses(db, lesson) if rows is None else rows
    chosen = matching(everyone, filters)
    refused = suppression(content, len(chosen), filters)
    found: dict[str, Any] = {"total": len(everyone), "respondents": len(chosen), "suppressed": refused,
                             "filters": dict(filters), "questions": []}
    if refused:
        found["respondents"] = None
        return found
    for question in content["questions"]:
        if for_respondents and question["kind"] in ("text", "longtext"):
            continue
        values = [r.answers[question["id"]] for r in chosen if question["id"] in r.answers]
        item = {"id": question["id"], "kind": question["kind"], "text": plain(question["text_html"]),
                "answered": len(values), "page": question["page"]}
        item.update(_figures(question, values))
        found["questions"].append(item)
    return found


def _share(count: int, of: int) -> float:
    return round(100 * count / of, 1) if of else 0.0


def _bars(labels: list[tuple[Any, str]], counts: Mapping[Any, int], of: int) -> list[dict[str, Any]]:
    return [{"id": key, "label": label, "count": counts.get(key, 0), "percent": _share(counts.get(key, 0), of)}
            for key, label in labels]


def _figures(question: Mapping[str, Any], values: list[Any]) -> dict[str, Any]:
    kind, answered = question["kind"], len(values)
    if kind in ("single", "multiple"):
        counts: dict[str, int] = {}
        for value in values:
            for chosen in value if isinstance(value, list) else [value]:
                counts[chosen] = counts.get(chosen, 0) + 1
        labels = [(o["id"], plain(o["html"])) for o in question["options"]]
        if question["other"]:
            labels.append((OTHER, _("Other")))
        return {"bars": _bars(labels, counts, answered)}
    if kind == "rating":
        counts = {point: values.count(point) for point in RATING}
        return {"bars": _bars([(p, str(p)) for p in RATING], counts, answered), "mean": _mean(values)}
    if kind == "likert":
        scale = list(enumerate(question["scale"], start=1))
        statements = []
        for statement in question["statements"]:
            points = [v[statement["id"]] for v in values if statement["id"] in v]
            counts = {p: points.count(p) for p, _label in scale}
            statements.append({"id": statement["id"], "label": plain(statement["html"]), "answered": len(points),
                               "bars": _bars(scale, counts, len(points)), "mean": _mean(points)})
        return {"statements": statements, "scale": question["scale"]}
    if kind == "numeric":
        low, high = question["min"], question["max"]
        width = (high - low) / NUMERIC_BINS
        counts = {}
        labels = []
        for n in range(NUMERIC_BINS):
            start = low + n * width
            labels.append((n, f"{start:g}–{start + width:g}"))
        for value in values:
            n = min(int((value - low) / width), NUMERIC_BINS - 1)
            counts[n] = counts.get(n, 0) + 1
        return {"bars": _bars(labels, counts, answered), "mean": _mean(values),
                "median": statistics.median(values) if values else None,
                "min": min(values) if values else None, "max": max(values) if values else None,
                "unit": question["unit"]}
    if kind == "ranking":
        options = []
        for option in question["options"]:
            places = [v.index(option["id"]) + 1 for v in values if option["id"] in v]
            options.append({"id": option["id"], "label": plain(option["html"]), "mean_rank": _mean(places),
                            "first": places.count(1), "percent": _share(places.count(1), answered)})
        options.sort(key=lambda o: (o["mean_rank"] is None, o["mean_rank"] or 0))
        return {"ranks": options}
    return {}


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def texts(db, lesson, content: Mapping[str, Any], question_id: str, filters: Mapping[str, str],
          search: str = "") -> tuple[list[str] | None, str | None]:
    """The free-text answers to one question (and the "other" texts of a choice question) matching
    ``search`` (any case), or None with the reason they may not be shown."""
    chosen = matching(responses(db, lesson), filters)
    refused = suppression(content, len(chosen), filters)
    if refused:
        return None, refused
    needle = search.strip().casefold()
    written = next(q["kind"] in ("text", "longtext") for q in content["questions"] if q["id"] == question_id)
    found = []
    for response in chosen:
        text = response.answers.get(question_id) if written else response.others.get(question_id)
        if isinstance(text, str) and (not needle or needle in text.casefold()):
            found.append(text)
    return found, None


def csv_rows(content: Mapping[str, Any], rows: list[Response], names: Mapping[int, tuple[str, str]]
             ) -> tuple[list[str], list[list[Any]]]:
    """One row a response, one column an answer (a Likert statement each). An anonymous survey's rows
    carry no name, no day and no profile (a rare mix of kind, area and position would name someone),
    in the order of their random ids."""
    header: list[str] = []
    if not content["anonymous"]:
        header += [_("Name"), _("Email"), _("Sent on"), _("Cooperative kind"), _("Area"), _("Track"), _("Position")]
    columns: list[tuple[dict[str, Any], str | None]] = []
    for question in content["questions"]:
        label = plain(question["text_html"])
        if question["kind"] == "likert":
            for statement in question["statements"]:
                columns.append((question, statement["id"]))
                header.append(f"{label} — {plain(statement['html'])}")
            continue
        columns.append((question, None))
        header.append(label)
        if question.get("other"):
            columns.append((question, OTHER))
            header.append(f"{label} — {_('Other')}")
    body = []
    for response in rows:
        line: list[Any] = []
        if not content["anonymous"]:
            name, email = names.get(response.user_id, ("", ""))
            profile = response.profile or {}
            line += [name, email, response.sent_on.isoformat() if response.sent_on else "",
                     profile.get("kind") or "", profile.get("area") or "", profile.get("track") or "",
                     profile.get("position") or ""]
        for question, part in columns:
            line.append(_cell(question, part, response))
        body.append(line)
    return header, body


def _cell(question: Mapping[str, Any], part: str | None, response: Response) -> Any:
    value = response.answers.get(question["id"])
    if part == OTHER:
        return response.others.get(question["id"], "")
    if value is None:
        return ""
    if question["kind"] == "likert":
        return value.get(part, "")
    if question["kind"] in ("single", "multiple", "ranking"):
        labels = {o["id"]: plain(o["html"]) for o in question["options"]}
        labels[OTHER] = _("Other")
        return "; ".join(labels.get(v, v) for v in (value if isinstance(value, list) else [value]))
    return value
