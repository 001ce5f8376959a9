"""`python -m compliance`: the same as the `compliance` command."""
from compliance.cli import entry

entry()
