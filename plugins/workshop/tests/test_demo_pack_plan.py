"""The demo pack's business-plan workshop: its worked example quotes the financial plan's figures,
and those must be what the finance engine computes from the example's document
(content_packs/hop-tac-xa-co-ban/phuong-an/vi-du-tai-chinh.yaml), in Vietnamese and in English.
A change to the engine or to the document that moves a figure fails here, so the text a learner
reads beside their own plan never drifts from what the site computes for it."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from elearn_workshop.finance import compute, parse_json

PACK = Path(__file__).resolve().parents[3] / "content_packs" / "hop-tac-xa-co-ban"
DOCUMENT = PACK / "phuong-an" / "vi-du-tai-chinh.yaml"
LESSON = "phuong-an-htx"

# The rows of the example's results table, by label, and the engine's figure each one quotes.
RESULTS = {
    "vi": {"Doanh thu": "revenue", "Chi phí biến đổi": "variable_costs", "Lãi gộp": "gross_margin",
           "Tỷ lệ lãi gộp": "gross_margin_rate", "Chi phí cố định (kể cả khấu hao và lãi vay)": "fixed_costs",
           "Lợi nhuận trước thuế": "profit", "Doanh thu hoà vốn": "break_even_revenue",
           "Vốn cần có": "capital_needed", "Vốn góp": "own_capital", "Vốn vay": "loan", "Còn thiếu": "funding_gap",
           "Tỷ lệ vốn tự có": "own_capital_share", "Hệ số khả năng trả nợ": "dscr", "Thời gian hoàn vốn": "payback",
           "Số dư tiền thấp nhất (cuối tháng {month})": "lowest_cash"},
    "en": {"Revenue": "revenue", "Variable costs": "variable_costs", "Gross margin": "gross_margin",
           "Gross margin rate": "gross_margin_rate", "Fixed costs (with depreciation and interest)": "fixed_costs",
           "Profit before tax": "profit", "Break-even revenue": "break_even_revenue",
           "Capital needed": "capital_needed", "Own capital": "own_capital", "Loan": "loan",
           "Still to be found": "funding_gap", "Own capital share": "own_capital_share",
           "Debt service coverage": "dscr", "Payback period": "payback",
           "Lowest cash balance (end of {month})": "lowest_cash"},
}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
TWO_CELL_ROW = re.compile(r"<tr>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*</tr>")


def grouped(value: Decimal, locale: str, places: int = 0) -> str:
    """1.234.567,8 in Vietnamese, 1,234,567.8 in English: how the example writes numbers."""
    text = f"{value:,.{places}f}"
    return text.translate(str.maketrans(",.", ".,")) if locale == "vi" else text


def shown(figure, locale: str) -> str:
    if figure.kind == "money":
        return f"{grouped(figure.value, locale)} ₫"
    if figure.kind == "percent":
        return f"{grouped(figure.value, locale, 2)}%"
    if figure.kind == "years":
        return f"{grouped(figure.value, locale, 1)} {'năm' if locale == 'vi' else 'years'}"
    return grouped(figure.value, locale, 2)


@pytest.fixture
def demo(app):
    """The workshop lesson as the pack loader imports it, the finance field's options and the
    example's document as the engine reads it."""
    from elearn.packs.manifest import load_pack

    pack = load_pack(PACK, app.extensions["elearn_plugins"].lesson_types, languages=["vi", "en"])
    lesson = next(lesson for lesson in pack.lessons if lesson.key == LESSON)
    section = next(s for s in lesson.content["sections"] if s["key"] == "tai-chinh")
    (field,) = [f for f in section["fields"] if f["kind"] == "finance"]
    raw = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    with app.test_request_context():
        document, problems = parse_json(raw, field["options"])
        assert problems == {}
        yield lesson, field["options"], document


def example(lesson, locale: str, key: str = "tai-chinh") -> str:
    content = lesson.content if locale == "vi" else lesson.translations[locale]
    return next(s for s in content["sections"] if s["key"] == key)["example_html"]


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_example_quotes_every_result_the_engine_computes(demo, locale):
    lesson, options, document = demo
    plan = compute(document, options)
    low = min(range(len(plan.periods)), key=lambda n: plan.periods[n].closing)
    month = str(low + 1) if locale == "vi" else MONTHS_EN[low]
    quoted = dict(TWO_CELL_ROW.findall(example(lesson, locale)))
    expected = {label.format(month=month): shown(plan.figure(key), locale) for label, key in RESULTS[locale].items()}
    assert quoted == expected
    assert [f.key for f in plan.figures if f.warning] == []  # the worked example is a plan that holds


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_example_states_the_figures_it_was_computed_from(demo, locale):
    lesson, options, document = demo
    plan = compute(document, options)
    text = example(lesson, locale)
    money = [document["own_capital"], document["opening_cash"], document["loan"]["amount"]]
    money += [product[part] for product in document["products"] for part in ("price", "unit_cost")]
    money += [row["amount"] for row in document["fixed_costs"] + document["investments"]]
    schedule = plan.tables[2].rows  # month, owed, principal, interest, payment, owed after
    grace = int(document["loan"]["grace"])
    money += [schedule[0][4], schedule[grace][4], plan.periods[-1].closing]
    for amount in money:
        assert f"{grouped(Decimal(amount), locale)} ₫" in text
    for product in document["products"]:
        sold = sum(Decimal(q) for q in product["quantities"])
        assert f"| {grouped(sold, locale)} " in text.replace("<td>", "| ")
    loan, flat = document["loan"], " ".join(text.split())
    amount = f"{grouped(Decimal(loan['amount']), locale)} ₫"
    if locale == "vi":
        method = {"annuity": "trả góp đều", "equal-principal": "trả gốc đều"}[loan["method"]]
        terms = f"vay {amount}, lãi {loan['rate']}%/năm, {loan['term']} tháng, ân hạn {loan['grace']} tháng, {method}"
    else:
        method = {"annuity": "in equal payments", "equal-principal": "in equal parts of principal"}[loan["method"]]
        terms = (f"a loan of {amount} at {loan['rate']}% a year over {loan['term']} months with {loan['grace']} "
                 f"months' grace, {method}")
    assert terms in flat


def test_the_risk_section_quotes_the_profit_at_a_lower_rice_price(demo):
    lesson, options, document = demo
    cheaper = copy.deepcopy(document)
    rice = cheaper["products"][0]
    rice["price"] = str(Decimal(rice["price"]) * Decimal("0.9"))
    profit = compute(cheaper, options).figure("profit").value
    assert profit > 0
    for locale in ("vi", "en"):
        text = example(lesson, locale, "rui-ro")
        assert f"{grouped(Decimal(rice['price']), locale)} ₫" in text
        assert f"{grouped(profit, locale)} ₫" in text


def test_the_capital_section_adds_up_to_the_financial_plan(demo):
    lesson, _options, document = demo
    text = example(lesson, "vi", "von")
    for amount in (document["own_capital"], document["loan"]["amount"], document["opening_cash"],
                   *(row["amount"] for row in document["investments"])):
        assert f"{grouped(Decimal(amount), 'vi')} ₫" in text
