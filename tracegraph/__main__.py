"""``python -m tracegraph``."""

from tracegraph.launch import run

if __name__ == "__main__":
    run()
