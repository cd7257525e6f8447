"""Is the domain core pure? Importing it must load no web, database or workbook library."""

from __future__ import annotations

import subprocess
import sys

FRAMEWORKS = ("flask", "werkzeug", "jinja2", "sqlalchemy", "sqlmodel", "alembic", "openpyxl", "apscheduler")

PROBE = """
import importlib, pkgutil, sys
import kpi.domain
for module in pkgutil.walk_packages(kpi.domain.__path__, "kpi.domain."):
    importlib.import_module(module.name)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_importing_every_domain_module_loads_no_framework():
    # A fresh interpreter: this test process has Flask loaded already.
    loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert not [name for name in FRAMEWORKS if name in loaded]
