"""The sample needs survey of the tests (three pages, every question kind, conditions across and within
pages) and a full set of answers to it."""

SURVEY = """\
pages:
  - id: htx
    title: Về hợp tác xã
    questions:
      - id: linh-vuc
        type: single
        text: Hợp tác xã hoạt động trong lĩnh vực nào?
        required: true
        other: true
        options:
          - {id: nong-nghiep, text: Nông nghiệp}
          - {id: dich-vu, text: Dịch vụ}
      - id: cay-trong
        type: multiple
        text: Trồng những gì?
        show_if: {question: linh-vuc, answer: nong-nghiep}
        options:
          - {id: lua, text: Lúa}
          - {id: rau, text: Rau}
          - {id: cay-an-qua, text: Cây ăn quả}
      - id: thanh-vien
        type: numeric
        text: Bao nhiêu thành viên?
        required: true
        min: 7
        max: 10000
        integer: true
        unit: người
  - id: nhu-cau
    title: Nhu cầu
    questions:
      - id: nhan-hieu
        type: single
        text: Đã có nhãn hiệu chưa?
        required: true
        show_if: {question: linh-vuc, answer: [nong-nghiep, dich-vu]}
        options:
          - {id: co, text: Có}
          - {id: chua, text: Chưa}
      - id: vi-sao
        type: longtext
        text: Vì sao chưa?
        required: true
        show_if: {question: nhan-hieu, answer: chua}
      - id: hai-long
        type: likert
        text: Mức độ đồng ý
        statements:
          - {id: ky-nang, text: Ban quản trị đủ kỹ năng}
          - {id: von, text: Đủ vốn}
        scale: [Rất không đồng ý, Không đồng ý, Bình thường, Đồng ý, Rất đồng ý]
  - id: uu-tien
    questions:
      - id: danh-gia
        type: rating
        text: Đánh giá khoá học trước
        low: Kém
        high: Rất tốt
      - id: thu-tu
        type: ranking
        text: Xếp thứ tự ưu tiên
        options:
          - {id: thuong-hieu, text: Thương hiệu}
          - {id: lien-ket, text: Liên kết chuỗi}
          - {id: tai-chinh, text: Tài chính}
      - id: gop-y
        type: text
        text: Góp ý ngắn
"""

SURVEY_EN = (SURVEY.replace("Về hợp tác xã", "About the cooperative").replace("Nông nghiệp", "Agriculture"))


def content(**changes):
    return {"intro": "Khảo sát nhu cầu", "questions": "khao-sat.yaml", "anonymous": True, **changes}


FULL = {"linh-vuc": "nong-nghiep", "cay-trong": ["lua"], "thanh-vien": 25, "nhan-hieu": "chua",
        "vi-sao": "Chưa biết thủ tục", "hai-long": {"ky-nang": 4, "von": 2}, "danh-gia": 4,
        "thu-tu": ["thuong-hieu", "lien-ket", "tai-chinh"], "gop-y": "Cần thêm ví dụ"}
