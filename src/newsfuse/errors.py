"""The exceptions newsfuse raises; each names where the bad input is."""

from __future__ import annotations

__all__ = ["NewsfuseError", "InputError", "EmptyStoryError", "ModelError"]


class NewsfuseError(Exception):
    """Base of every newsfuse error."""


class InputError(NewsfuseError):
    """Input that cannot be read: `where` is a file, a file:line or a record id."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason

    def __reduce__(self):  # picklable, so batch workers can hand errors back
        return type(self), (self.where, self.reason)


class EmptyStoryError(InputError):
    """A story in which no article has a single body sentence left after cleaning."""


class ModelError(NewsfuseError):
    """A shipped model file is missing, unreadable or of another version."""
