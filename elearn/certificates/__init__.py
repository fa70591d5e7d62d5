"""Certificates of completion: issued on completion (or by an instructor), downloaded as a PDF by
those who may, verified by anyone with the code (``service``); the pack's template (``template``),
the PDF (``render``), the pages (``views``) and the API (``api``)."""
