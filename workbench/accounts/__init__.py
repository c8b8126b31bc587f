"""Accounts: users, roles, tiers and pricing, quotas, API keys, passwords, audit."""
