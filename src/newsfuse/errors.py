"""Every exception newsfuse raises, in one tree.

    NewsfuseError
    ├── LocatedError          `where` (a file, file:line, record id or database) and `reason`
    │   ├── InputError        input that cannot be read
    │   │   └── EmptyStoryError
    │   └── StoreError        a database file that is not a usable newsfuse store
    ├── ModelError            a shipped model file is missing, unreadable or of another version
    ├── OptionError           (also a ValueError) a setting out of its range
    │   └── UnknownNameError  a name that is not one of the choices (selector, format, ...)
    └── NotFoundError         (also a KeyError) no such story

`OptionError` and `NotFoundError` also derive from the builtin each replaced (as scikit-learn's
`NotFittedError(ValueError, AttributeError)` does), so `except ValueError` / `except KeyError`
written before them still catches them.
"""

from __future__ import annotations

__all__ = [
    "NewsfuseError",
    "LocatedError",
    "InputError",
    "EmptyStoryError",
    "StoreError",
    "ModelError",
    "OptionError",
    "UnknownNameError",
    "NotFoundError",
]


class NewsfuseError(Exception):
    """Base of every newsfuse error."""


class LocatedError(NewsfuseError):
    """An error about one place: `where` names it, `reason` says what is wrong there."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason

    def __reduce__(self):  # picklable, so batch workers can hand errors back
        return type(self), (self.where, self.reason)


class InputError(LocatedError):
    """Input that cannot be read: `where` is a file, a file:line or a record id."""


class EmptyStoryError(InputError):
    """A story in which no article has a single body sentence left after cleaning."""


class StoreError(LocatedError):
    """The database file cannot be used as a newsfuse store (`where` names the file)."""


class ModelError(NewsfuseError):
    """A shipped model file is missing, unreadable or of another version."""


class OptionError(NewsfuseError, ValueError):
    """A setting out of its range (e.g. a summary length); also a ValueError."""


class UnknownNameError(OptionError):
    """A name that is not one of the choices: a selector, an output format; also a ValueError."""


class NotFoundError(NewsfuseError, KeyError):
    """No such story (in a store); also a KeyError, whose `str` quotes its argument: this one does not."""

    def __str__(self) -> str:
        return Exception.__str__(self)
