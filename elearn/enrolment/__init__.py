"""Enrolment by code and by cohort (programmes), shared by the pages and the API."""
