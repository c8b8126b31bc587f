"""Accounts: users, roles, tiers and pricing, subscriptions, quotas, API keys, passwords, audit.

One module per concern; services take the caller's ``AsyncSession`` and never commit.

- :mod:`.users` — create (:func:`~.users.add_user`), look up, search, admin changes
- :mod:`.passwords` — argon2id hashing, the policy, :func:`~.passwords.authenticate`
- :mod:`.tiers` — plans, prices and limits (``None`` = unlimited)
- :mod:`.subscriptions` — which tier applies now (:func:`~.subscriptions.effective_tier`)
- :mod:`.quotas` — atomic consume, reserve and settle of translations and characters
- :mod:`.api_keys` — ``wb_`` keys stored as HMACs, :func:`~.api_keys.verify_api_key`
- :mod:`.ratelimit` — requests per minute per user or key, shared through the database
- :mod:`.audit` — who changed what, written with the change
- :mod:`.commands` — ``workbench users|keys|tiers`` and ``init --admin-email``
"""
