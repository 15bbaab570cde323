"""The helpers of tests/conftest.py under a unique module name.

Several test directories have their own conftest.py, and every one of them is imported as the
module `conftest`, so `from conftest import run_rules` picks whichever was loaded last in a
full run. Importing this module instead always gets the root helpers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "aiposture_tests_root_conftest", Path(__file__).with_name("conftest.py")
)
assert _spec is not None and _spec.loader is not None
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)

FIXED_NOW = _root.FIXED_NOW
make_snapshot = _root.make_snapshot
make_inventory = _root.make_inventory
run_rules = _root.run_rules
statuses = _root.statuses
