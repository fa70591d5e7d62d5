"""The full plan both workshop benchmarks measure (bench_workshop_save.py, bench_workshop_pdf.py):
nine sections as a cooperative's plan has them; the second, fourth and sixth with a table of 20
rows, the last with the financial plan."""

from __future__ import annotations

PARAGRAPH = ("Hợp tác xã Nông nghiệp Tân Phú có 45 thành viên, sản xuất gạo ST25 đạt chuẩn VietGAP trên 60 ha "
             "ruộng của thành viên, sấy và đóng túi 5 kg tại xưởng của hợp tác xã, bán cho hai siêu thị ở Cần Thơ. ")
TABLE_SECTIONS = (2, 4, 6)


def sections(count: int = 9) -> list[dict]:
    """The template's sections, in pack form."""
    built = []
    for number in range(1, count + 1):
        fields = [{"key": "tom-tat", "label": "Tóm tắt", "kind": "longtext", "required": True},
                  {"key": "chi-tieu", "label": "Chỉ tiêu chính"},
                  {"key": "so-luong", "label": "Sản lượng (tấn)", "kind": "number"},
                  {"key": "so-tien", "label": "Số tiền", "kind": "money"},
                  {"key": "ngay", "label": "Ngày bắt đầu", "kind": "date"},
                  {"key": "muc-do", "label": "Mức độ ưu tiên", "kind": "choice",
                   "choices": [{"key": "cao", "label": "Cao"}, {"key": "thap", "label": "Thấp"}]}]
        if number in TABLE_SECTIONS:
            fields.append({"key": "bang", "label": "Bảng chi tiết", "kind": "table", "rows": 20, "columns": [
                {"key": "hang", "label": "Hạng mục"}, {"key": "sl", "label": "Số lượng", "kind": "number"},
                {"key": "gia", "label": "Đơn giá", "kind": "money"},
                {"key": "tien", "label": "Thành tiền", "kind": "money"},
                {"key": "ngay", "label": "Ngày", "kind": "date"}]})
        if number == count:
            fields.append({"key": "tai-chinh", "label": "Kế hoạch tài chính", "kind": "finance",
                           "options": {"horizon": "12-months", "products": 3}})
        built.append({"key": f"phan-{number}", "title": f"Phần {number}: kế hoạch của hợp tác xã",
                      "guidance": "Viết **ngắn gọn**, có số liệu.", "fields": fields})
    return built
