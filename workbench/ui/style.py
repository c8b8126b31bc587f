"""The dashboards' look: one stylesheet, shipped in the header of every page."""

from __future__ import annotations

CSS = """
<style>
.wb-header { display:flex; align-items:center; gap:1.2em; padding:.6em 1em;
  background:#1f3a5f; color:#fff; border-radius:6px; margin-bottom:.8em; flex-wrap:wrap; }
.wb-header a { color:#dfe9f5; text-decoration:none; padding:.2em .5em; border-radius:4px; }
.wb-header a.wb-current { background:#fff; color:#1f3a5f; font-weight:600; }
.wb-header .wb-brand { font-weight:700; font-size:1.1em; margin-right:.5em; }
.wb-header .wb-who { margin-left:auto; font-size:.9em; opacity:.9; }
.wb-status { padding:.4em .7em; border-radius:4px; margin:.3em 0; }
.wb-status-info { background:#eef4fb; color:#1f3a5f; }
.wb-status-ok { background:#e8f6ec; color:#17552b; }
.wb-status-error { background:#fdecea; color:#8a1c12; }
.wb-kpis { display:flex; gap:.8em; flex-wrap:wrap; }
.wb-kpi { border:1px solid #d6dde6; border-radius:6px; padding:.6em 1em; min-width:11em; }
.wb-kpi .wb-kpi-value { font-size:1.6em; font-weight:700; color:#1f3a5f; }
.wb-kpi .wb-kpi-label { font-size:.85em; color:#4a5a6a; }
table.wb-table { border-collapse:collapse; width:100%; font-size:.9em; }
table.wb-table th, table.wb-table td { border-bottom:1px solid #e3e8ee; padding:.3em .5em;
  text-align:left; }
table.wb-table th { background:#f4f6f9; }
.wb-cards { display:flex; gap:1em; flex-wrap:wrap; }
.wb-card { border:1px solid #d6dde6; border-radius:8px; padding:1em; min-width:13em; }
.wb-card h3 { margin:.1em 0 .4em 0; }
.wb-card .wb-price { font-size:1.5em; font-weight:700; color:#1f3a5f; }
.wb-confirm { background:#fff6e5; padding:.3em .6em; border-radius:4px; }
.wb-secret { font-family:monospace; background:#f4f6f9; padding:.3em .5em; border-radius:4px; }
.wb-error-page { padding:2em; font-size:1.1em; }
</style>
"""
