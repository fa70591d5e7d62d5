"""Peer review of plans, without the database: the rubric and the assessments made with it
(``rubric``), who reviews which plan (``allocation``) and the grades made of the reviews
(``grades``). The lesson and its views store what these compute."""
