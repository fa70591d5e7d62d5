"""``python -m elearn``: the ``elearn`` command (the demo starts its job worker this way)."""

from elearn.cli import main

if __name__ == "__main__":
    main()
