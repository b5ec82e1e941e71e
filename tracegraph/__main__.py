"""``python -m tracegraph``."""

from tracegraph.cli import run

if __name__ == "__main__":
    run()
