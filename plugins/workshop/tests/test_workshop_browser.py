"""The plan at phone size in a real browser: two sections and the financial plan filled, the
figures computed while typing (JavaScript on), the plan handed in, and the same page without
JavaScript; axe-core finds nothing serious."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from elearn.testing import axe_violations, database_for

PHONE = {"width": 390, "height": 844}
PREFIX = "f.tai-chinh.ke-hoach."


@pytest.fixture
def database_url(_migrated_databases, tmp_path) -> str:
    """Once, on SQLite: the browser is what is tested here, not the database."""
    return database_for("sqlite", _migrated_databases, tmp_path)


def _shot(page, name):
    folder = os.environ.get("ELEARN_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def fill_plan(page):
    page.fill("[name='f.gioi-thieu.ten']", "HTX Nông nghiệp Tân Phú")
    page.fill("[name='f.gioi-thieu.so-thanh-vien']", "45")
    page.fill("[name='f.von.von-gop']", "50.000.000")
    page.fill("[name='f.von.mua-sam.0.hang']", "Máy sấy lúa")
    page.fill("[name='f.von.mua-sam.0.tien']", "120.000.000")
    page.fill(f"[name='{PREFIX}opening_cash']", "10.000.000")
    page.fill(f"[name='{PREFIX}products.0.name']", "Gạo ST25")
    page.fill(f"[name='{PREFIX}products.0.unit']", "tấn")
    page.fill(f"[name='{PREFIX}products.0.price']", "10.000.000")
    page.fill(f"[name='{PREFIX}products.0.unit_cost']", "6.000.000")
    for month in (2, 5, 8, 11):
        page.fill(f"[name='{PREFIX}products.0.quantities.{month}']", "10")
    page.fill(f"[name='{PREFIX}fixed_costs.0.name']", "Lương quản lý")
    page.fill(f"[name='{PREFIX}fixed_costs.0.amount']", "5.000.000")


def test_a_cooperative_writes_its_plan_on_a_phone(workshop, browser_login, axe_script):
    w = workshop()
    page = browser_login(w.lan, viewport=PHONE)
    page.goto(page.url.split("/me")[0].rstrip("/") + f"/lessons/{w.lesson.id}")
    fill_plan(page)
    # 400 triệu of sales, 240 of variable costs, 60 of fixed: break-even at 60 ÷ 40 % = 150 triệu.
    figure = page.locator("[data-figure='break_even_revenue'] strong")
    figure.wait_for()
    page.wait_for_function(
        "() => (document.querySelector(\"[data-figure='break_even_revenue'] strong\") || {textContent: ''})"
        ".textContent.includes('150.000.000')")
    assert "100.000.000" in page.locator("[data-figure='profit'] strong").inner_text()
    _shot(page, "workshop-phone-js")
    assert axe_violations(page, axe_script) == []
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    assert page.locator(".ws-status").inner_text().count("Đã nộp") + \
        page.locator(".ws-status").inner_text().count("Handed in") == 1
    assert page.input_value("[name='f.gioi-thieu.ten']") == "HTX Nông nghiệp Tân Phú"
    with page.expect_download() as download:
        page.click("a[href$='/plan.pdf']")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "HTX Nông nghiệp Tân Phú" in text and "150.000.000" in text


def test_the_plan_works_without_javascript(workshop, browser_login):
    w = workshop()
    page = browser_login(w.minh, viewport=PHONE, java_script_enabled=False)
    page.goto(page.url.split("/me")[0].rstrip("/") + f"/lessons/{w.lesson.id}")
    fill_plan(page)
    with page.expect_navigation():
        page.click("#s-tai-chinh button[name=editing]")
    assert "150.000.000" in page.locator("[data-figure='break_even_revenue'] strong").inner_text()
    _shot(page, "workshop-phone-nojs")


def test_a_figure_that_cannot_be_read_is_said_at_its_input_while_typing(workshop, browser_login):
    w = workshop()
    page = browser_login(w.hoa, viewport=PHONE)
    page.goto(page.url.split("/me")[0].rstrip("/") + f"/lessons/{w.lesson.id}")
    price = f"[name='{PREFIX}products.0.price']"
    page.fill(f"[name='{PREFIX}products.0.name']", "Nấm rơm")
    page.fill(price, "mười nghìn")
    page.locator(f"{price}[aria-invalid=true]").wait_for()
    assert "1.250.000" in page.locator(f"{price} + .ws-error").inner_text()  # "Hãy gõ một số, ví dụ 1.250.000."
    page.fill(price, "10.000")
    page.locator(f"{price}:not([aria-invalid])").wait_for()
    assert page.locator(f"{price} + .ws-error").count() == 0


def test_autosave_keeps_on_the_server_what_the_page_says_it_saved(workshop, browser_login, view):
    w = workshop()
    page = browser_login(w.lan, viewport=PHONE)
    page.goto(page.url.split("/me")[0].rstrip("/") + f"/lessons/{w.lesson.id}")
    page.fill("[name='f.gioi-thieu.ten']", "HTX Tân Phú")
    page.locator("#s-gioi-thieu .ws-saved").filter(has_text="Đã lưu").wait_for()  # the page says: saved
    assert view(w.minh, w.lesson)["sections"][0]["values"]["ten"] == "HTX Tân Phú"  # a co-author sees it
    page.fill("[name='f.gioi-thieu.so-thanh-vien']", "45")
    page.wait_for_function("() => document.querySelector('form.ws-plan').getAttribute('data-base') === '2'")
    assert view(w.minh, w.lesson)["sections"][0]["values"] == {"ten": "HTX Tân Phú", "so-thanh-vien": "45"}
