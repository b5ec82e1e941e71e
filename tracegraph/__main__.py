"""``python -m tracegraph``."""

from tracegraph.cli import main

if __name__ == "__main__":
    main()
