"""The finance field of a plan: the document a learner types (``document``), the loan's schedule
(``loans``) and every figure computed from them (``compute``). The page, the printable plan, the
PDF and the CSV all show what ``compute`` returns, so they never disagree."""

from elearn_workshop.finance.compute import Figure, FinancePlan, compute, compute_once
from elearn_workshop.finance.document import check_options, empty_value, parse_form, parse_json

__all__ = ["Figure", "FinancePlan", "check_options", "compute", "compute_once", "empty_value", "parse_form",
           "parse_json"]
