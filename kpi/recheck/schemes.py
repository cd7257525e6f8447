"""The scoring scheme a 复核 uses unless told otherwise (a preset of kpi.domain.scoring_presets).

A filled-in form prints every row's 分值, and those are the weights it was scored by, so the
re-check scores by them: ``printed-points``.
"""

DEFAULT_PRESET = "printed-points"
