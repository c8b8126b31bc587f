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
    """``user`` is the user as they were when the page opened; what they may do now is
    read again for every action (:meth:`authorize`, and the services themselves)."""

    db: Database
    user: User
    texts: Texts
    settings: Settings
    # The session generation the page was signed in with (Voilà); None in JupyterLab.
    generation: int | None = None

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user, generation=self.generation)

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN and self.user.is_active

    async def authorize(self) -> Actor:
        """The user may still do what the page was opened for, or :class:`AccessRevoked`:
        still active, in the same session, and still an admin if they were one."""
        async with self.db.session() as session:
            return await self.actor.authorize(session, admin=self.is_admin)
