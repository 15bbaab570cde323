"""`python -m aiposture.cli`."""

from aiposture.cli.main import main

main()
