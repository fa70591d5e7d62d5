"""A small plan template: a text, a number, a money field, a table and a financial plan, in three sections."""

from __future__ import annotations

from typing import Any


def content(**settings: Any) -> dict[str, Any]:
    return {
        "intro": "Cùng ban quản trị viết phương án của hợp tác xã.",
        "group_set": "hop-tac-xa",
        "sections": [
            {"key": "gioi-thieu", "title": "Hợp tác xã và thành viên",
             "guidance": "Nêu **tên** và số thành viên.", "example": "HTX Nông nghiệp Tân Phú, 45 thành viên.",
             "fields": [{"key": "ten", "label": "Tên hợp tác xã", "required": True},
                        {"key": "so-thanh-vien", "label": "Số thành viên", "kind": "number", "minimum": 7}]},
            {"key": "von", "title": "Nhu cầu vốn",
             "fields": [{"key": "von-gop", "label": "Vốn góp của thành viên", "kind": "money"},
                        {"key": "mua-sam", "label": "Mua sắm", "kind": "table", "rows": 5,
                         "columns": [{"key": "hang", "label": "Hạng mục"},
                                     {"key": "tien", "label": "Số tiền", "kind": "money"}]}]},
            {"key": "tai-chinh", "title": "Kế hoạch tài chính",
             "fields": [{"key": "ke-hoach", "label": "Thu chi và khoản vay", "kind": "finance",
                         "options": {"horizon": "12-months", "products": 3}}]},
        ],
        **settings,
    }
