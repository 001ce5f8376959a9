"""Reading exports into DuckDB as raw text tables (one VARCHAR column per canonical field
plus provenance), before any typing. See `load_raw` for the contract."""
