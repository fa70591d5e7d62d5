"""The financial plan's computations against figures worked by hand (in the comments), and the
reading of what a learner types."""

from __future__ import annotations

from decimal import Decimal

import pytest
from elearn_workshop.finance import compute, parse_form, parse_json
from elearn_workshop.finance.loans import schedule
from werkzeug.datastructures import MultiDict

M = Decimal(1_000_000)


def test_equal_principal_with_a_grace_period():
    # 120 triệu at 12 %/year (1 %/month), 6 months, 2 of grace: interest only, then 30 triệu a month.
    months = schedule(Decimal(120) * M, Decimal(12), 6, 2, "equal-principal")
    assert [(m.principal, m.interest) for m in months] == [
        (0, 1_200_000), (0, 1_200_000), (30 * M, 1_200_000), (30 * M, 900_000), (30 * M, 600_000),
        (30 * M, 300_000)]
    assert months[-1].closing == 0
    assert sum(m.interest for m in months) == Decimal(5_400_000)


def test_annuity_pays_the_same_each_month_and_the_last_one_takes_the_rounding():
    # 100 triệu, 1 %/month, 3 months: A = 1.000.000 × 1,030301 / 0,030301 = 34.002.211 (rounded).
    months = schedule(Decimal(100) * M, Decimal(12), 3, 0, "annuity")
    assert [(m.principal, m.interest) for m in months] == [
        (33_002_211, 1_000_000), (33_332_233, 669_978), (33_665_556, 336_656)]
    assert [m.payment for m in months] == [34_002_211, 34_002_211, 34_002_212]
    assert sum(m.principal for m in months) == 100 * M


def test_annuity_after_a_grace_month():
    # 60 triệu, 1 %/month, 4 months with 1 of grace: 600.000 interest, then 20.401.327 a month.
    months = schedule(Decimal(60) * M, Decimal(12), 4, 1, "annuity")
    assert [m.payment for m in months] == [600_000, 20_401_327, 20_401_327, 20_401_326]
    assert [m.interest for m in months] == [600_000, 600_000, 401_987, 201_993]
    assert months[-1].closing == 0


def test_a_loan_without_interest_is_repaid_in_equal_parts():
    months = schedule(Decimal(10) * M, Decimal(0), 3, 0, "annuity")
    assert [m.payment for m in months] == [3_333_333, 3_333_333, 3_333_334]


RICE = {
    "opening_cash": "10000000", "own_capital": "50000000",
    "products": [{"name": "Gạo ST25", "unit": "tấn", "price": "10000000", "unit_cost": "6000000",
                  "quantities": ["0", "0", "10", "0", "0", "10", "0", "0", "10", "0", "0", "10"]}],
    "fixed_costs": [{"name": "Lương quản lý", "amount": "5000000"}],
    "investments": [{"name": "Máy sấy", "amount": "120000000", "period": "1", "life_years": "5"}],
    "loan": {"amount": "120000000", "rate": "12", "term": "6", "grace": "2", "method": "equal-principal"},
}


@pytest.fixture
def rice(app):
    with app.test_request_context():
        yield compute(RICE, {"horizon": "12-months"})


def figures(plan):
    return {figure.key: figure.value for figure in plan.figures}


def test_margin_break_even_and_profit(rice):
    got = figures(rice)
    # 40 tấn × 10 triệu = 400 triệu; variable 240; margin 160 (40 %).
    assert got["revenue"] == 400 * M and got["variable_costs"] == 240 * M and got["gross_margin"] == 160 * M
    assert got["gross_margin_rate"] == Decimal("40.00")
    # Fixed: 12 × 5 triệu + depreciation 120 triệu ÷ 60 months × 12 + interest 5,4 triệu = 89,4 triệu.
    assert got["fixed_costs"] == Decimal("89400000")
    assert got["profit"] == Decimal("70600000")
    # Break-even: 89,4 ÷ 40 % = 223,5 triệu, i.e. 40 tấn × 223,5 ÷ 400 = 22,35 → 22,4 tấn.
    assert got["break_even_revenue"] == Decimal("223500000")
    product = rice.tables[-1].rows[0]  # break-even output by product
    assert product[-1] == Decimal("22.4") and product[-2] == 40


def test_capital_needs_and_repayment_capacity(rice):
    got = figures(rice)
    # Without own capital and the loan the cash would fall to 10 − 120 − 5 − 5 = −120 triệu in month 2.
    assert got["capital_needed"] == 120 * M
    # With them, the loan's repayments take the cash to −25,4 triệu in month 8: that is still to be found.
    assert got["funding_gap"] == Decimal("25400000")
    assert got["own_capital_share"] == Decimal("29.41")  # 50 ÷ 170
    # (70,6 + 24 + 5,4) ÷ (120 + 5,4) = 0,797…: the loan is repaid faster than the rice earns.
    assert got["dscr"] == Decimal("0.80") and rice.figure("dscr").warning
    assert got["payback"] == Decimal("1.3")  # 120 ÷ (70,6 + 24)


def test_cash_flow_from_the_opening_balance(rice):
    closing = [closing for _label, closing in rice.cash_flow_chart]
    # Month 1: 10 + 170 − 5 − 120 − 1,2 = 53,8; month 3: 47,6 + 100 − 60 − 5 − 30 − 1,2 = 51,4 …
    assert closing[:3] == [Decimal("53800000"), Decimal("47600000"), Decimal("51400000")]
    assert closing[-1] == Decimal("34600000")  # 10 + 170 + 160 − 60 − 120 − 120 − 5,4
    lowest = rice.figure("lowest_cash")
    assert lowest.value == Decimal("-25400000") and lowest.warning and rice.periods[7].label in lowest.explain
    income = rice.tables[0]
    assert income.footer[1] == 400 * M and income.footer[-1] == Decimal("70600000")


def test_depreciation_adds_up_to_the_investments_cost(app):
    # 100 triệu over 3 years, by year: 33.333.333 twice, then the 33.333.334 rounding left.
    plan = {"investments": [{"name": "Kho lạnh", "amount": "100000000", "period": "1", "life_years": "3"}]}
    with app.test_request_context():
        result = compute(parse_json(plan, {"horizon": "3-years"})[0], {"horizon": "3-years"})
    assert [p.depreciation for p in result.periods] == [33_333_333, 33_333_333, 33_333_334]


def test_three_years_by_year(app):
    plan = {"products": [{"name": "Nấm", "unit": "kg", "price": "50000", "unit_cost": "20000",
                          "quantities": ["1000", "2000", "3000"]}],
            "loan": {"amount": "36000000", "rate": "0", "term": "36", "grace": "12", "method": "equal-principal"}}
    with app.test_request_context():
        document, problems = parse_json(plan, {"horizon": "3-years"})
        assert problems == {}
        result = compute(document, {"horizon": "3-years"})
    assert len(result.periods) == 3
    assert [p.principal for p in result.periods] == [0, 18 * M, 18 * M]
    assert [p.revenue for p in result.periods] == [50 * M, 100 * M, 150 * M]


def test_what_is_typed_the_vietnamese_way_is_read_and_problems_are_named_by_input(app):
    prefix = "f.tai-chinh.ke-hoach."
    form = MultiDict({
        prefix + "opening_cash": "1.234.567", prefix + "own_capital": "lots",
        prefix + "products.0.name": "Gạo", prefix + "products.0.price": "12 000 000",
        prefix + "products.0.quantities.0": "2,5",
        prefix + "products.1.price": "5000",  # figures without a name
        prefix + "fixed_costs.0.name": "", prefix + "fixed_costs.0.amount": "",  # blank row: dropped
        prefix + "loan.method": "annuity", prefix + "loan.amount": "", prefix + "loan.term": "",
        prefix + "investments.0.name": "Kho", prefix + "investments.0.amount": "100",
        prefix + "investments.0.period": "13",
    })
    with app.test_request_context():
        document, problems = parse_form(form, prefix, {})
    assert document["opening_cash"] == "1234567"
    assert document["products"][0]["price"] == "12000000" and document["products"][0]["quantities"][0] == "2.5"
    assert document["fixed_costs"] == [] and document["loan"] is None  # an untouched loan is no loan
    assert set(problems) == {prefix + "own_capital", prefix + "products.1.name", prefix + "investments.0.period"}


def test_a_loan_needs_a_term_and_a_grace_shorter_than_it(app):
    with app.test_request_context():
        _document, problems = parse_json({"loan": {"amount": "1000000", "term": "6", "grace": "6"}}, {})
        assert set(problems) == {"loan.grace"}
        _document, problems = parse_json({"loan": {"amount": "1000000"}}, {})
        assert set(problems) == {"loan.term"}
        _document, problems = parse_json({"products": "rice", "surplus": 1}, {})
        assert set(problems) == {"products", "surplus"}


def test_an_empty_plan_computes_to_zero_without_dividing_by_it(app):
    with app.test_request_context():
        plan = compute(None)
    assert plan.empty and figures(plan)["revenue"] == 0 and figures(plan)["break_even_revenue"] is None
