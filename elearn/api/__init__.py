"""The JSON API under /api/v1: every learner action of the HTML pages, same rules.

Authentication is by bearer token only (``POST /api/v1/auth/token``), so the
API needs no CSRF token and a browser cookie never authorises an API call.
"""

from elearn.api.views import bp

__all__ = ["bp"]
