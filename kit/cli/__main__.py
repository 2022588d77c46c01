"""``python -m kit.cli``: the ``advocacy-kit`` command, as ``python -m kit`` runs it."""

from kit.cli import main

if __name__ == "__main__":
    main()
