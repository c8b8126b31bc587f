"""The dashboards' web server: Voilà with sign-in against the workbench's own users.

``workbench serve`` (:mod:`workbench.server.serve`) migrates, starts a job worker and runs
:class:`workbench.server.app.WorkbenchVoila` on the dashboard notebooks.
"""
