"""The financial plan's figures, computed on the server from the stored document with exact
decimal arithmetic: revenue and costs per period, gross margin, break-even, cash flow from the
opening balance, capital needs against own capital and the loan, the loan's schedule, and the
repayment-capacity figures a Vietnamese bank asks for. Each figure carries a sentence saying how
it is computed, shown beside it. Money is rounded to the đồng once per line (``loans.dong``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import g
from flask_babel import format_decimal
from flask_babel import gettext as _

from elearn_workshop.finance import document, loans
from elearn_workshop.tables import Column, Table

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figure:
    """One result: ``value`` None when it cannot be computed (``explain`` then says why)."""

    key: str
    label: str
    value: Decimal | None
    kind: str  # money | percent | number | years
    explain: str
    warning: bool = False


@dataclass
class Period:
    label: str
    revenue: Decimal = ZERO
    variable: Decimal = ZERO
    fixed: Decimal = ZERO
    depreciation: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    investment: Decimal = ZERO
    financing: Decimal = ZERO
    opening: Decimal = ZERO

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.variable

    @property
    def profit(self) -> Decimal:
        return self.margin - self.fixed - self.depreciation - self.interest

    @property
    def closing(self) -> Decimal:
        return (self.opening + self.revenue + self.financing - self.variable - self.fixed - self.investment
                - self.principal - self.interest)


@dataclass
class FinancePlan:
    periods: list[Period]
    figures: list[Figure]
    tables: list[Table] = field(default_factory=list)
    empty: bool = False

    @property
    def summary(self) -> list[tuple[str, Decimal | None, str]]:
        return [(figure.label, figure.value, figure.kind) for figure in self.figures]

    @property
    def cash_flow_chart(self) -> list[tuple[str, Decimal]]:
        return [(period.label, period.closing) for period in self.periods]

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)


def _d(text: str | None) -> Decimal:
    return Decimal(text) if text else ZERO


def _ratio(numerator: Decimal, denominator: Decimal, places: str = "0.01") -> Decimal:
    return (numerator / denominator).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def compute(value: Mapping[str, Any] | None, options: Mapping[str, Any] | None = None) -> FinancePlan:
    """The plan's figures and statements (see the module). ``value`` is the stored document."""
    options = options or {}
    value = value or document.empty_value()
    count, per_year = document.periods(options), document.per_year(options)
    months_per_period = 12 // per_year
    label = (lambda n: _("Month %(num)d", num=n)) if per_year == 12 else (lambda n: _("Year %(num)d", num=n))
    rows = [Period(label(n + 1)) for n in range(count)]

    for product in value.get("products", []):
        price, unit_cost = _d(product["price"]), _d(product["unit_cost"])
        for period, quantity in zip(rows, product["quantities"], strict=False):
            period.revenue += loans.dong(price * _d(quantity))
            period.variable += loans.dong(unit_cost * _d(quantity))
    fixed_each = sum((_d(cost["amount"]) for cost in value.get("fixed_costs", [])), ZERO)
    for period in rows:
        period.fixed = fixed_each
    investments = ZERO
    for item in value.get("investments", []):
        amount, start, life = _d(item["amount"]), int(item["period"]), int(item["life_years"]) * per_year
        investments += amount
        rows[start - 1].investment += amount
        charge = loans.dong(amount / life)
        for number, period in enumerate(rows[start - 1: start - 1 + life], start=1):
            # the last period of its life takes what rounding left, so the charges add up to its cost
            period.depreciation += charge if number < life else amount - charge * (life - 1)
    own, opening = _d(value.get("own_capital")), _d(value.get("opening_cash"))
    loan = value.get("loan")
    schedule = loans.schedule(_d(loan["amount"]), _d(loan["rate"]), int(loan["term"]), int(loan["grace"]),
                              loan["method"]) if loan else []
    for month in schedule:
        index = (month.number - 1) // months_per_period
        if index < count:
            rows[index].interest += month.interest
            rows[index].principal += month.principal
    borrowed = _d(loan["amount"]) if loan else ZERO
    rows[0].financing = own + borrowed
    balance = opening
    for period in rows:
        period.opening = balance
        balance = period.closing

    plan = FinancePlan(rows, _figures(rows, opening, own, borrowed, investments, per_year, schedule),
                       empty=not value.get("products") and not value.get("fixed_costs")
                       and not value.get("investments") and not loan)
    plan.tables = _tables(plan, value, schedule)
    return plan


def compute_once(value: Mapping[str, Any] | None, options: Mapping[str, Any] | None = None) -> FinancePlan:
    """``compute``, remembered for the request: the lesson's view and its template ask for the same
    stored document (the very object), so the page computes it once."""
    memo = g.setdefault("workshop_finance", {})
    key = (id(value), id(options))
    found = memo.get(key)
    if found is None or found[0] is not value or found[1] is not options:
        found = memo[key] = (value, options, compute(value, options))
    return found[2]


def _figures(rows: list[Period], opening: Decimal, own: Decimal, borrowed: Decimal, investments: Decimal,
             per_year: int, schedule: list[loans.Month]) -> list[Figure]:
    revenue = sum((p.revenue for p in rows), ZERO)
    variable = sum((p.variable for p in rows), ZERO)
    margin = revenue - variable
    depreciation = sum((p.depreciation for p in rows), ZERO)
    interest = sum((p.interest for p in rows), ZERO)
    principal = sum((p.principal for p in rows), ZERO)
    fixed = sum((p.fixed for p in rows), ZERO) + depreciation + interest
    profit = margin - fixed
    years = Decimal(len(rows)) / Decimal(per_year)

    figures = [
        Figure("revenue", _("Revenue"), revenue, "money", _("Price × quantity sold, for each product and period.")),
        Figure("variable_costs", _("Variable costs"), variable, "money",
               _("Cost per unit × quantity: inputs that grow with output (seed, feed, fertiliser, packaging).")),
        Figure("gross_margin", _("Gross margin"), margin, "money", _("Revenue − variable costs.")),
        Figure("gross_margin_rate", _("Gross margin rate"), _ratio(margin * HUNDRED, revenue) if revenue else None,
               "percent", _("Gross margin ÷ revenue: what each 100 đồng of sales leaves to pay the fixed costs.")),
        Figure("fixed_costs", _("Fixed costs"), fixed, "money",
               _("The fixed costs listed, plus depreciation (each investment's cost spread over its useful life) "
                 "and the loan's interest: they do not change with output.")),
        Figure("profit", _("Profit before tax"), profit, "money", _("Gross margin − fixed costs."),
               warning=profit < 0),
    ]
    if margin > 0:
        figures.append(Figure("break_even_revenue", _("Break-even revenue"), loans.dong(fixed * revenue / margin),
                              "money", _("Fixed costs ÷ gross margin rate: the sales at which the cooperative "
                                         "neither gains nor loses. Below it, it loses money.")))
    else:
        figures.append(Figure("break_even_revenue", _("Break-even revenue"), None, "money",
                              _("Not reachable: the products' prices do not cover their variable costs.")))
    lowest_before, running = opening, opening
    for p in rows:
        running += p.revenue - p.variable - p.fixed - p.investment
        lowest_before = min(lowest_before, running)
    needed = max(ZERO, -lowest_before)
    low = min(rows, key=lambda p: p.closing)
    gap = max(ZERO, -low.closing)
    figures += [
        Figure("capital_needed", _("Capital needed"), needed, "money",
               _("The most the cash would fall below zero without own capital and the loan: investments and "
                 "running costs paid before sales come in.")),
        Figure("own_capital", _("Own capital"), own, "money", _("What the members put in.")),
        Figure("loan", _("Loan"), borrowed, "money", _("Paid out at the start of the first month.")),
        Figure("funding_gap", _("Still to be found"), gap, "money",
               _("How far the cash falls below zero at its lowest, with own capital and the loan (and the loan's "
                 "repayments): above zero, the plan lacks this much money."), warning=gap > 0),
        Figure("own_capital_share", _("Own capital share"),
               _ratio(own * HUNDRED, own + borrowed) if own + borrowed else None, "percent",
               _("Own capital ÷ (own capital + loan). Banks and the support fund want the members to carry a "
                 "good share of the risk.")),
    ]
    service = principal + interest
    if service:
        dscr = _ratio(profit + depreciation + interest, service)
        figures.append(Figure("dscr", _("Debt service coverage"), dscr, "number",
                              _("(Profit + depreciation + interest) ÷ (principal + interest due in the plan's "
                                "periods). Above 1, the business earns what the loan asks; banks look for 1,2 or "
                                "more."), warning=dscr < 1))
    elif schedule:
        figures.append(Figure("dscr", _("Debt service coverage"), None, "number",
                              _("Nothing of the loan falls due within the plan's periods.")))
    yearly_cash = (profit + depreciation) / years
    if investments:
        payback = _ratio(investments, yearly_cash, "0.1") if yearly_cash > 0 else None
        figures.append(Figure("payback", _("Payback period"), payback, "years",
                              _("Investments ÷ a year's (profit + depreciation): the years the business takes to "
                                "earn back what was invested.") if payback is not None
                              else _("Never, at these figures: the business does not earn back its investments.")))
    figures.append(Figure("lowest_cash", _("Lowest cash balance"), low.closing, "money",
                          _("At the end of %(period)s. Below zero: the cash runs out then, and the plan must find "
                            "money before.", period=low.label), warning=low.closing < 0))
    return figures


def _tables(plan: FinancePlan, value: Mapping[str, Any], schedule: list[loans.Month]) -> list[Table]:
    rows = plan.periods
    money = "money"
    income = Table(
        _("Revenue, costs and profit"),
        (Column(_("Period")), Column(_("Revenue"), money), Column(_("Variable costs"), money),
         Column(_("Gross margin"), money), Column(_("Fixed costs"), money), Column(_("Depreciation"), money),
         Column(_("Interest"), money), Column(_("Profit before tax"), money)),
        tuple((p.label, p.revenue, p.variable, p.margin, p.fixed, p.depreciation, p.interest, p.profit) for p in rows),
        footer=(_("Total"), *(sum((getattr(p, name) for p in rows), ZERO) for name in
                              ("revenue", "variable", "margin", "fixed", "depreciation", "interest", "profit"))),
        note=_("Profit = revenue − variable costs − fixed costs − depreciation − interest."))
    cash = Table(
        _("Cash flow"),
        (Column(_("Period")), Column(_("Opening balance"), money), Column(_("Sales"), money),
         Column(_("Own capital and loan"), money), Column(_("Running costs"), money), Column(_("Investments"), money),
         Column(_("Loan repayment"), money), Column(_("Closing balance"), money)),
        tuple((p.label, p.opening, p.revenue, p.financing, p.variable + p.fixed, p.investment, p.principal + p.interest,
               p.closing) for p in rows),
        note=_("Closing balance = opening balance + money in − money out; it is the next period's opening balance."))
    tables = [income, cash]
    if schedule:
        tables.append(Table(
            _("Loan schedule"),
            (Column(_("Month"), "number"), Column(_("Owed at the start"), money), Column(_("Principal"), money),
             Column(_("Interest"), money), Column(_("Payment"), money), Column(_("Owed at the end"), money)),
            tuple((Decimal(m.number), m.opening, m.principal, m.interest, m.payment, m.closing) for m in schedule),
            footer=(_("Total"), None, sum((m.principal for m in schedule), ZERO),
                    sum((m.interest for m in schedule), ZERO), sum((m.payment for m in schedule), ZERO), None),
            note=_("Interest each month = what is owed at its start × yearly rate ÷ 12.")))
    break_even = plan.figure("break_even_revenue").value
    revenue = plan.figure("revenue").value
    products = []
    for product in value.get("products", []):
        planned = sum((_d(q) for q in product["quantities"]), ZERO)
        price, unit_cost = _d(product["price"]), _d(product["unit_cost"])
        needed = (planned * break_even / revenue).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) \
            if break_even is not None and revenue else None
        products.append((product["name"], product["unit"], price, unit_cost, price - unit_cost, planned, needed))
    if products:
        tables.append(Table(
            _("Break-even output by product"),
            (Column(_("Product")), Column(_("Unit")), Column(_("Price"), money), Column(_("Variable cost per unit"),
                                                                                      money),
             Column(_("Margin per unit"), money), Column(_("Planned output"), "number"),
             Column(_("Break-even output"), "number")),
            tuple(products),
            note=_("At the planned mix of products: planned output × break-even revenue ÷ planned revenue.")))
    return tables


def for_export(field: Mapping[str, Any], value: Any) -> tuple[list[tuple[str, object, str]], list[Table],
                                                              list[tuple[str, Decimal]]]:
    """The finance field's figures as the PDF and the CSV take them (``export.FinanceTables``).
    The PDF's font has no "−" (U+2212): the notes are given with "-"."""
    plan = compute(value, field.get("options"))
    summary: list[tuple[str, object, str]] = []
    for figure in plan.figures:
        if figure.value is None:
            summary.append((figure.label, "—", "text"))
        elif figure.kind == "years":
            summary.append((figure.label, _("%(num)s years", num=format_decimal(figure.value)), "text"))
        else:
            summary.append((figure.label, figure.value, figure.kind))
    tables = [replace(table, note=table.note.replace("\u2212", "-")) for table in plan.tables]
    return summary, tables, plan.cash_flow_chart
