"""The scoring scheme a 复核 uses: a named preset (kpi.domain.scoring_presets).

A filled-in form prints every row's 分值, and those are the weights it was scored by, so the
re-check scores by them unless told otherwise (``printed-points``).
"""

from __future__ import annotations

from kpi.domain.scoring_presets import PRESET_NAMES, preset

DEFAULT_PRESET = "printed-points"

__all__ = ["DEFAULT_PRESET", "PRESET_NAMES", "settings_for"]


def settings_for(name: str):
    """The preset's settings; ValueError in Chinese (listing the names) for an unknown one."""
    return preset(name)
