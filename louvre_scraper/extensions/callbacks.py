"""A spider seen through its methods alone, for the requests ``JOBDIR`` queues on disk.

Scrapy's disk queue hands its spider to :meth:`scrapy.Request.to_dict` (a callback is stored
by its name) and to :func:`scrapy.utils.request.request_from_dict` (the name looked up again).
``to_dict`` finds the name with ``inspect.getmembers(spider)``, which reads every attribute of
the spider, properties included, for every request pushed. :class:`SpiderMethods` holds the
spider class's methods, bound once, so that search reads those alone; any other name is the
spider's own. Same names both ways, same errors for a callback that is not a spider method.
"""

from __future__ import annotations

import inspect
from types import FunctionType
from typing import Any


def method_names(cls: type) -> list[str]:
    """The names of the plain methods ``cls`` defines or inherits (no dunders, no properties)."""
    return [
        name
        for name in dir(cls)
        if not name.startswith("__") and isinstance(inspect.getattr_static(cls, name), FunctionType)
    ]


class SpiderMethods:
    """``spider``'s methods, bound once; every other attribute read from ``spider``."""

    def __init__(self, spider: Any):
        self.__dict__.update({name: getattr(spider, name) for name in method_names(type(spider))})
        self.__dict__["__spider"] = spider

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["__spider"], name)

    def __repr__(self) -> str:
        return repr(self.__dict__["__spider"])
