"""Synthetic load data (`flask --app app kpi demo-scale`): a city's worth of units that look real.

- templates.py: the seed dataset's indicators as templates, with perturbed targets parsed once;
- generator.py: one unit's rows (budget, indicators, quarters, monitoring, self-evaluation),
  deterministic for (seed, unit number) and scored through kpi.domain;
- writer.py: ids, Core bulk inserts in batches, the refusal and ``--replace``;
- commands.py: the CLI command with its progress bar.
"""
