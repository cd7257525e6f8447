"""Labels every page and workbook shares, in the units' own words."""

from __future__ import annotations

QUARTER_LABELS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
