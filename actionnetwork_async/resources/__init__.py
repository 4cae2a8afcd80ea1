"""Thin typed facades over the HAL walker, one per collection of the API (``an.people``,
``an.petitions`` ...), each declared once in ``resources.catalog`` from the generic blocks of
``resources.base`` and the nested record collections of ``resources.records``."""

from .catalog import Catalog

__all__ = ["Catalog"]
