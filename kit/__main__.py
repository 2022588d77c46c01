"""``python -m kit``: the ``advocacy-kit`` command, for environments where the script is not on PATH."""

from kit.cli import main

if __name__ == "__main__":
    main()
