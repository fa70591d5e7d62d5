"""The financial plan as a learner types it, and as it is stored: the finance field's document.

One shape for the page's form and the API's JSON, so both are read by the same code::

    {"opening_cash": "20000000", "own_capital": "150000000",
     "products": [{"name": "Gạo ST25", "unit": "tấn", "price": "12000000", "unit_cost": "7000000",
                   "quantities": ["0", "0", "20", …]}],           # one per period
     "fixed_costs": [{"name": "Lương quản lý", "amount": "8000000"}],   # per period
     "investments": [{"name": "Máy sấy", "amount": "300000000", "period": "1", "life_years": "5"}],
     "loan": {"amount": "200000000", "rate": "9", "term": "24", "grace": "6", "method": "annuity"}}

A form field is named by the value's path under the field's prefix
(``f.<section>.<field>.products.0.quantities.3``), and a problem is keyed the same way, so the
page shows it at the input. Amounts are whole đồng and rates percent a year, typed the Vietnamese
way (``1.234.567``, ``7,5``); everything is kept as plain digit strings (``Decimal`` when
computed, never floats). Blank rows are dropped; a row with figures and no name is a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from elearn_workshop.numbers import plain, read_number

HORIZONS = {"12-months": (12, 12), "3-years": (3, 1)}  # periods, periods per year
METHODS = ("equal-principal", "annuity")
LIMITS = {"products": 5, "fixed_costs": 8, "investments": 5}
MAX_ROWS = 20
MAX_TERM = 120
MAX_NAME = 120
KNOWN_OPTIONS = {"horizon", *LIMITS}


def check_options(options: Mapping[str, Any]) -> list[str]:
    """What is wrong with a finance field's ``options`` in a pack (an empty list when nothing)."""
    problems = [_("unknown option %(key)s", key=repr(key)) for key in sorted(set(options) - KNOWN_OPTIONS)]
    if options.get("horizon", "12-months") not in HORIZONS:
        problems.append(_("horizon is 12-months or 3-years"))
    for key in LIMITS:
        value = options.get(key, LIMITS[key])
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ROWS:
            problems.append(_("%(key)s is a number of rows from 1 to %(num)d", key=key, num=MAX_ROWS))
    return problems


def periods(options: Mapping[str, Any]) -> int:
    return HORIZONS[options.get("horizon", "12-months")][0]


def per_year(options: Mapping[str, Any]) -> int:
    return HORIZONS[options.get("horizon", "12-months")][1]


def rows_allowed(options: Mapping[str, Any], key: str) -> int:
    return options.get(key, LIMITS[key])


def empty_value() -> dict[str, Any]:
    return {"opening_cash": "0", "own_capital": "0", "products": [], "fixed_costs": [], "investments": [],
            "loan": None}


class _Reader:
    """Reads a document, collecting problems by path (``products.0.price``)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options
        self.problems: dict[str, str] = {}

    def number(self, raw: Any, path: str, *, whole: bool, low: Decimal = Decimal(0),
               high: Decimal | None = None, default: str | None = None) -> str | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return default
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            self.problems[path] = _("Type a number, such as 1.250.000.")
            return None
        try:
            value = read_number(str(raw), whole=whole)
        except ValueError as exc:
            self.problems[path] = str(exc)
            return None
        if value < low:
            self.problems[path] = _("At least %(num)s.", num=low)
            return None
        if high is not None and value > high:
            self.problems[path] = _("At most %(num)s.", num=high)
            return None
        return plain(value)

    def name(self, raw: Any, path: str) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.problems[path] = _("Type text here.")
            return ""
        text = " ".join(raw.split())
        if len(text) > MAX_NAME:
            self.problems[path] = _("At most %(num)d characters.", num=MAX_NAME)
        return text[:MAX_NAME]

    def rows(self, raw: Any, key: str) -> list[Mapping[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problems[key] = _("Give a list of rows.")
            return []
        kept = [row for row in raw if not _blank(row)]
        if len(kept) > rows_allowed(self.options, key):
            self.problems[key] = _("At most %(num)d rows.", num=rows_allowed(self.options, key))
        return raw

    def named_row(self, row: Any, path: str) -> tuple[str, bool]:
        """The row's name, and whether the row is to be read at all (not blank)."""
        if not isinstance(row, Mapping):
            self.problems[path] = _("Give each row as its columns' values.")
            return "", False
        if _blank(row):
            return "", False
        name = self.name(row.get("name"), f"{path}.name")
        if not name:
            self.problems[f"{path}.name"] = _("Give this row a name.")
        return name, True


def _blank(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip())


def parse_json(raw: Any, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document from the API's JSON (or the form, turned into the same shape), and the
    problems by path. What could be read is kept, so a slip in one cell loses nothing else."""
    reader = _Reader(options)
    if raw is None:
        return empty_value(), {}
    if not isinstance(raw, Mapping):
        return empty_value(), {"": _("Give the financial plan as its parts (products, costs, loan…).")}
    unknown = sorted(set(raw) - {"opening_cash", "own_capital", "products", "fixed_costs", "investments", "loan"})
    for key in unknown:
        reader.problems[key] = _("The financial plan has no part %(key)s.", key=key)
    count = periods(options)
    document: dict[str, Any] = {
        "opening_cash": reader.number(raw.get("opening_cash"), "opening_cash", whole=True, default="0") or "0",
        "own_capital": reader.number(raw.get("own_capital"), "own_capital", whole=True, default="0") or "0",
        "products": [], "fixed_costs": [], "investments": [], "loan": None,
    }
    for index, row in enumerate(reader.rows(raw.get("products"), "products")):
        path = f"products.{index}"
        name, keep = reader.named_row(row, path)
        if not keep:
            continue
        quantities = row.get("quantities") or []
        if not isinstance(quantities, list) or len(quantities) > count:
            reader.problems[f"{path}.quantities"] = _("Give one quantity for each of the %(num)d periods.", num=count)
            quantities = []
        document["products"].append({
            "name": name,
            "unit": reader.name(row.get("unit"), f"{path}.unit")[:20],
            "price": reader.number(row.get("price"), f"{path}.price", whole=True, default="0") or "0",
            "unit_cost": reader.number(row.get("unit_cost"), f"{path}.unit_cost", whole=True, default="0") or "0",
            "quantities": [reader.number(quantity, f"{path}.quantities.{p}", whole=False, default="0") or "0"
                           for p, quantity in enumerate(quantities)] + ["0"] * (count - len(quantities)),
        })
    for index, row in enumerate(reader.rows(raw.get("fixed_costs"), "fixed_costs")):
        path = f"fixed_costs.{index}"
        name, keep = reader.named_row(row, path)
        if keep:
            document["fixed_costs"].append({
                "name": name,
                "amount": reader.number(row.get("amount"), f"{path}.amount", whole=True, default="0") or "0"})
    for index, row in enumerate(reader.rows(raw.get("investments"), "investments")):
        path = f"investments.{index}"
        name, keep = reader.named_row(row, path)
        if keep:
            document["investments"].append({
                "name": name,
                "amount": reader.number(row.get("amount"), f"{path}.amount", whole=True, default="0") or "0",
                "period": reader.number(row.get("period"), f"{path}.period", whole=True, low=Decimal(1),
                                        high=Decimal(count), default="1") or "1",
                "life_years": reader.number(row.get("life_years"), f"{path}.life_years", whole=True,
                                            low=Decimal(1), high=Decimal(50), default="5") or "5"})
    document["loan"] = _loan(reader, raw.get("loan"))
    return document, reader.problems


def _loan(reader: _Reader, raw: Any) -> dict[str, str] | None:
    if raw is None or (isinstance(raw, Mapping) and _blank({k: v for k, v in raw.items() if k != "method"})):
        return None  # the page always sends the method's choice: an untouched loan is no loan
    if not isinstance(raw, Mapping):
        reader.problems["loan"] = _("Give the loan as its amount, rate, term, grace and method.")
        return None
    amount = reader.number(raw.get("amount"), "loan.amount", whole=True)
    if amount is None or amount == "0":
        if "loan.amount" not in reader.problems:
            reader.problems["loan.amount"] = _("Give the loan's amount, or leave the loan empty.")
        return None
    term = reader.number(raw.get("term"), "loan.term", whole=True, low=Decimal(1), high=Decimal(MAX_TERM))
    if term is None and "loan.term" not in reader.problems:
        reader.problems["loan.term"] = _("Give the loan's term in months.")
    grace = reader.number(raw.get("grace"), "loan.grace", whole=True, default="0") or "0"
    if term is not None and int(grace) >= int(term):
        reader.problems["loan.grace"] = _("The grace period must be shorter than the term.")
        grace = "0"
    method = raw.get("method") or "equal-principal"
    if method not in METHODS:
        reader.problems["loan.method"] = _("Choose how the loan is repaid.")
        method = "equal-principal"
    rate = reader.number(raw.get("rate"), "loan.rate", whole=False, high=Decimal(100), default="0") or "0"
    if term is None:
        return None
    return {"amount": amount, "rate": rate, "term": term, "grace": grace, "method": method}


def form_document(form, prefix: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The form's inputs under ``prefix`` in the document's shape (every row the page shows)."""
    def get(path: str) -> str:
        return form.get(prefix + path, "")

    count = periods(options)
    return {
        "opening_cash": get("opening_cash"),
        "own_capital": get("own_capital"),
        "products": [{"name": get(f"products.{i}.name"), "unit": get(f"products.{i}.unit"),
                      "price": get(f"products.{i}.price"), "unit_cost": get(f"products.{i}.unit_cost"),
                      "quantities": [get(f"products.{i}.quantities.{p}") for p in range(count)]}
                     for i in range(rows_allowed(options, "products"))],
        "fixed_costs": [{"name": get(f"fixed_costs.{i}.name"), "amount": get(f"fixed_costs.{i}.amount")}
                        for i in range(rows_allowed(options, "fixed_costs"))],
        "investments": [{"name": get(f"investments.{i}.name"), "amount": get(f"investments.{i}.amount"),
                         "period": get(f"investments.{i}.period"), "life_years": get(f"investments.{i}.life_years")}
                        for i in range(rows_allowed(options, "investments"))],
        "loan": {key: get(f"loan.{key}") for key in ("amount", "rate", "term", "grace", "method")},
    }


def parse_form(form, prefix: str, options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The document from the page's form; problems keyed by the inputs' names."""
    document, problems = parse_json(form_document(form, prefix, options), options)
    return document, {prefix + key: message for key, message in problems.items()}
