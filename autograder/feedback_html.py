"""The HTML feedback's template: a copy of nbgrader's, with each graded function named and long
diagnosis lines wrapped (``autograder/feedback_templates/feedback``).

Both ``nnlab feedback`` and a plain ``nbgrader generate_feedback`` use it: the course's
nbgrader_config.py calls :func:`configure` (``nnlab course create`` writes that line).
"""
from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "feedback_templates"
#: the name nbgrader asks for: ``NbGraderAPI.generate_feedback`` (formgrader, ``nnlab feedback``)
#: forces ``template_name = "feedback"``, so nnlab's template carries that name and its folder
#: comes first in the search path, ahead of nbgrader's own ``feedback``.
TEMPLATE_NAME = "feedback"


def nbgrader_templates() -> Path:
    """nbgrader's own templates (``formgrade``, ``feedback``): they stay on the search path, after
    nnlab's, so formgrader still finds the pages it renders with the same exporter settings."""
    import nbgrader
    return Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"


def configure(config) -> None:
    """Point nbgrader's feedback exporter at nnlab's template (``config``: a traitlets Config)."""
    config.HTMLExporter.template_name = TEMPLATE_NAME
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates())]
