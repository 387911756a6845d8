#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run administrative tasks; every command, ours and Django's (migrate, shell, loaddata …), as the system."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jlis_commitments.settings")
    from django.core.management import execute_from_command_line
    from django_scopes import scopes_disabled

    argv = list(sys.argv if argv is None else argv)
    if argv[1:2] == ["runserver"]:
        # The web server is no command: it starts, as gunicorn does, with no scope, and the middleware runs each
        # request in its user's tenancy scope (commitments/models/scoping.py).
        execute_from_command_line(argv)
        return
    with scopes_disabled():
        execute_from_command_line(argv)


if __name__ == "__main__":
    main()
