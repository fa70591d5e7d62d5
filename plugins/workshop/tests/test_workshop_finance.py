"""The financial plan in the lesson: typed on the page (without JavaScript) or sent through the
API, computed on the server, shown the Vietnamese way, and previewed while typing."""

from __future__ import annotations

from test_finance import RICE
from test_workshop_plans import csrf_token

PREFIX = "f.tai-chinh.ke-hoach."


def rice_form():
    form = {PREFIX + "opening_cash": "10.000.000", PREFIX + "own_capital": "50.000.000",
            PREFIX + "products.0.name": "Gạo ST25", PREFIX + "products.0.unit": "tấn",
            PREFIX + "products.0.price": "10.000.000", PREFIX + "products.0.unit_cost": "6.000.000",
            PREFIX + "fixed_costs.0.name": "Lương quản lý", PREFIX + "fixed_costs.0.amount": "5.000.000",
            PREFIX + "investments.0.name": "Máy sấy", PREFIX + "investments.0.amount": "120.000.000",
            PREFIX + "investments.0.period": "1", PREFIX + "investments.0.life_years": "5",
            PREFIX + "loan.amount": "120.000.000", PREFIX + "loan.rate": "12", PREFIX + "loan.term": "6",
            PREFIX + "loan.grace": "2", PREFIX + "loan.method": "equal-principal"}
    form.update({PREFIX + f"products.0.quantities.{month}": "10" for month in (2, 5, 8, 11)})
    return form


def test_the_financial_plan_typed_on_the_page_is_saved_and_its_figures_shown(workshop, client, login, view):
    w = workshop()
    login(client, w.lan)
    token = csrf_token(client, f"/lessons/{w.lesson.id}")
    page = client.post(f"/lessons/{w.lesson.id}/submit", data={"csrf_token": token, "base": "0", **rice_form()},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "223.500.000\xa0₫" in html  # break-even revenue, the Vietnamese way
    assert "-25.400.000\xa0₫" in html  # the cash runs out in month 8
    assert 'value="Gạo ST25"' in html
    figures = {f["key"]: f for f in next(s for s in view(w.minh, w.lesson)["sections"]
                                         if s["key"] == "tai-chinh")["figures"]["ke-hoach"]}
    assert figures["profit"]["value"] == "70600000" and figures["dscr"]["warning"] is True


def test_a_slip_in_one_figure_is_shown_at_its_input_and_the_rest_is_kept(workshop, client, login, view):
    w = workshop()
    login(client, w.lan)
    token = csrf_token(client, f"/lessons/{w.lesson.id}")
    form = {**rice_form(), PREFIX + "products.0.price": "mười triệu"}
    html = client.post(f"/lessons/{w.lesson.id}/submit", data={"csrf_token": token, "base": "0", **form},
                       follow_redirects=True).get_data(as_text=True)
    assert f'id="{PREFIX}products.0.price-problem"' in html and 'value="mười triệu"' in html
    saved = next(s for s in view(w.lan, w.lesson)["sections"] if s["key"] == "tai-chinh")["values"]["ke-hoach"]
    assert saved["loan"]["amount"] == "120000000" and saved["products"][0]["name"] == "Gạo ST25"


def test_the_api_takes_the_document_and_names_a_bad_figure(workshop, save):
    w = workshop()
    sent = save(w.hoa, w.lesson, {"tai-chinh": {"ke-hoach": RICE}}, base=0)
    assert sent.status_code == 201, sent.get_json()
    bad = save(w.hoa, w.lesson, {"tai-chinh": {"ke-hoach": {**RICE, "loan": {"amount": "1000000"}}}}, base=1)
    assert bad.status_code == 400
    assert "sections.tai-chinh.ke-hoach.loan.term" in bad.get_json()["error"]["message"]


def test_the_figures_follow_what_is_typed_before_it_is_saved(workshop, client, login, view):
    w = workshop()
    login(client, w.lan)
    token = csrf_token(client, f"/lessons/{w.lesson.id}")
    preview = client.post(f"/x/workshop/lessons/{w.lesson.id}/finance", data={"csrf_token": token, **rice_form()})
    assert preview.status_code == 200
    assert "223.500.000\xa0₫" in preview.get_data(as_text=True)
    assert view(w.lan, w.lesson)["plan"]["version"] == 0  # nothing saved


def test_only_the_lessons_learners_and_staff_may_preview(workshop, client, login, make_user):
    w = workshop()
    anonymous = client.post(f"/x/workshop/lessons/{w.lesson.id}/finance",
                            data={"csrf_token": csrf_token(client, "/login")})
    assert anonymous.status_code in (302, 401) and "Gạo" not in anonymous.get_data(as_text=True)
    login(client, make_user("learner", name="Khách"))
    token = csrf_token(client, "/me")
    assert client.post(f"/x/workshop/lessons/{w.lesson.id}/finance",
                       data={"csrf_token": token}).status_code == 403


def test_the_plan_as_pdf_and_its_statements_as_csv_for_its_authors_only(workshop, app, client, login, save, db):
    import csv
    import io

    from elearn_workshop.models import Plan
    from pypdf import PdfReader
    from sqlalchemy import select

    w = workshop()
    save(w.lan, w.lesson, {"gioi-thieu": {"ten": "Hợp tác xã Tân Phú"}, "tai-chinh": {"ke-hoach": RICE}}, base=0)
    plan = db.scalar(select(Plan))
    login(client, w.minh)
    pdf = client.get(f"/x/workshop/plans/{plan.id}/plan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Hợp tác xã Tân Phú" in text and "HTX Tân Phú" in text  # the plan's text, the cover's name
    assert "223.500.000" in text and "70.600.000" in text  # break-even revenue, the year's profit
    statements = client.get(f"/x/workshop/plans/{plan.id}/statements.csv")
    rows = list(csv.reader(io.StringIO(statements.data.decode("utf-8-sig"))))
    assert ["Tổng", "400000000", "240000000", "160000000", "60000000", "24000000", "5400000", "70600000"] in rows
    other = app.test_client()
    login(other, w.hoa)  # another cooperative: as if the plan did not exist
    assert other.get(f"/x/workshop/plans/{plan.id}/plan.pdf").status_code == 404
    assert other.get(f"/x/workshop/plans/{plan.id}/statements.csv").status_code == 404


def test_two_versions_compare_the_financial_plans_key_figures(workshop, save, client, login, db):
    from elearn_workshop.models import Plan
    from sqlalchemy import select

    w = workshop()
    save(w.lan, w.lesson, {"tai-chinh": {"ke-hoach": RICE}}, base=0)
    cheaper = {**RICE, "fixed_costs": [{"name": "Lương quản lý", "amount": "4000000"}]}
    save(w.lan, w.lesson, {"tai-chinh": {"ke-hoach": cheaper}}, base=1)
    plan_id = db.scalar(select(Plan.id))
    login(client, w.lan)
    html = client.get(f"/x/workshop/plans/{plan_id}/versions?a=1&b=2").get_data(as_text=True)
    # profit 70,6 triệu, then 12 triệu more with 1 triệu less in fixed costs each month
    assert "70.600.000\xa0₫" in html and "82.600.000\xa0₫" in html
