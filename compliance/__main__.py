"""`python -m compliance`: the same as the `compliance` command."""
from compliance.cli import main

main(prog_name="compliance")
