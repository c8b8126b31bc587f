"""What a dashboard component works with: the database, the signed-in user, the language."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.accounts.audit import Actor
from workbench.config import Settings
from workbench.db import Database
from workbench.db.models import Role, User
from workbench.ui.i18n import Texts


@dataclass(frozen=True)
class Context:
    db: Database
    user: User
    texts: Texts
    settings: Settings

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user)

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN and self.user.is_active
