"""`python -m aiposture`."""

from aiposture.cli.main import main

main()
