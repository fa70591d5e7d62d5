"""Learners in bulk: the CSV import and export of accounts, profiles and enrolments."""
