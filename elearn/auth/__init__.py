"""Accounts: passwords, login sessions, API tokens, rate limits."""
