"""The HTML feedback's template: nbgrader's, with each graded function named in the summary and
long diagnosis lines wrapped (``autograder/feedback_templates/nnlab_feedback``).

Both ``nnlab feedback`` and a plain ``nbgrader generate_feedback`` use it: the course's
nbgrader_config.py calls :func:`configure` (``nnlab course create`` writes that line).
"""
from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "feedback_templates"
TEMPLATE_NAME = "nnlab_feedback"


def nbgrader_templates() -> Path:
    """The folder holding nbgrader's own ``feedback`` template, which ours extends."""
    import nbgrader
    return Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"


def configure(config) -> None:
    """Point nbgrader's feedback exporter at nnlab's template (``config``: a traitlets Config)."""
    config.HTMLExporter.template_name = TEMPLATE_NAME
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates())]
