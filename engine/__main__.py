"""`python -m engine` runs the torchquiz CLI (used by tests and when the script is not on PATH)."""
from .cli import main

main(prog_name="torchquiz")
