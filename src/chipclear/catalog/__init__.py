"""Accelerator and system catalog: sourced spec data, validated on load."""

from chipclear.catalog.loader import Catalog, load_catalog, load_catalog_file
from chipclear.catalog.models import Component, Item, Part, System
from chipclear.datafiles import lookup_key

__all__ = [
    "Catalog",
    "Component",
    "Item",
    "Part",
    "System",
    "load_catalog",
    "load_catalog_file",
    "lookup_key",
]
