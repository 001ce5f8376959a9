"""Reading exports into DuckDB as raw text tables (one VARCHAR column per canonical field
plus provenance), before any typing. See `load_raw` for the contract."""
from .binding import bind_data
from .errors import InputError
from .load import load_raw
from .mapping import DatasetMapping, load_mapping
from .table import PROVENANCE, RawTable, Shape

__all__ = [
    "PROVENANCE",
    "DatasetMapping",
    "InputError",
    "RawTable",
    "Shape",
    "bind_data",
    "load_mapping",
    "load_raw",
]
