"""How urgently a message must be answered as a crisis."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """The crisis level of one message; a higher level outranks a lower one."""

    none = 0
    check_in = 1
    crisis = 2
