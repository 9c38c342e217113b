"""(stub: to be written)"""

from __future__ import annotations

from handlers.flows import Flow, Menus


def flow(menus: Menus) -> Flow:
    return Flow()
