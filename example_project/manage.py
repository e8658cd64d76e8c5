#!/usr/bin/env python
"""The example site's manage.py. Works from anywhere: ``python example_project/manage.py ...``."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent


def main() -> None:
    # Import everything as ``example_project.*`` from the repository root, so that
    # ``wagtail_crosspost`` comes from the checkout and no app is importable under two names.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
