"""Data layer: engine and sessions (:mod:`.engine`), schema (:mod:`.models`), migrations."""

from workbench.db.base import Base
from workbench.db.engine import Database, begin_write, core

__all__ = ["Base", "Database", "begin_write", "core"]
