"""``python -m course_utils.serve --model PATH [--port 8000] ...``: see :mod:`.cli`."""

from .cli import main

main()
