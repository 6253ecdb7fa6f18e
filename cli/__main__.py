"""`python -m torchquiz.cli` runs the torchquiz CLI (used by tests and when the script is not on PATH)."""
from .main import main

main(prog_name="torchquiz")
