"""How much of a notebook's output a grading run keeps: bounded on the trusted side.

A submitted notebook's kernel sends its outputs to nbgrader's client, which would keep all of
them in memory and write them into the autograded notebook (the feedback is made from it). A
cell that prints in a loop (the hostile ``flood_output`` prints ~40 MB) made a 434 MB autograded
notebook and cost 28 s of grading. nbgrader's ``LimitOutput`` counts lines only, so one long
line passes it whole.

- :class:`BoundedExecute` (the executed path) stops storing a cell's outputs once they pass
  :data:`MAX_CELL_OUTPUT_CHARS`, and a notebook's once they pass
  :data:`MAX_NOTEBOOK_OUTPUT_CHARS`, while the cell runs, and says so in the cell.
- :class:`BoundedOutput` (both paths: on the fast path the outputs are the student's own, as
  submitted) applies the same limits to the outputs a notebook already holds, after nbgrader's
  line limit.

:func:`bound_outputs` puts them in place of nbgrader's ``Execute`` and ``LimitOutput`` in the
``Autograde`` converter's configuration of nnlab's own (trusted) run.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, LimitOutput

#: Characters of output one cell may keep (text, and the encoded data of a figure or table).
MAX_CELL_OUTPUT_CHARS = 2_000_000
#: Characters of output a whole notebook may keep.
MAX_NOTEBOOK_OUTPUT_CHARS = 20_000_000


def output_chars(content: dict) -> int:
    """The size of one output (an output of a notebook cell, or an iopub message's content)."""
    size = len(content.get("text") or "") if isinstance(content.get("text"), str) else 0
    data = content.get("data")
    if isinstance(data, dict):
        size += sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
    for line in content.get("traceback") or ():
        size += len(str(line))
    return size


class OutputBudget:
    """What a notebook may keep: :data:`MAX_CELL_OUTPUT_CHARS` per cell and
    :data:`MAX_NOTEBOOK_OUTPUT_CHARS` in all. :meth:`admit` each output, in order."""

    def __init__(self):
        self.kept = {}             # cell index -> characters of output kept
        self.total = 0
        self.cut = set()           # cells whose output was cut

    def admit(self, cell_index: int, size: int):
        """``None`` when the output fits (it is counted); otherwise the note that ends the cell's
        output the first time it is cut there, and ``False`` after."""
        cell_total = self.kept.get(cell_index, 0) + size
        if cell_total <= MAX_CELL_OUTPUT_CHARS and self.total + size <= MAX_NOTEBOOK_OUTPUT_CHARS:
            self.kept[cell_index] = cell_total
            self.total += size
            return None
        if cell_index in self.cut:
            return False
        self.cut.add(cell_index)
        what, limit = (("this cell produced", MAX_CELL_OUTPUT_CHARS)
                       if cell_total > MAX_CELL_OUTPUT_CHARS
                       else ("the notebook produced", MAX_NOTEBOOK_OUTPUT_CHARS))
        return NotebookNode(output_type="stream", name="stderr",
                            text=f"\n[nnlab: the rest of this cell's output was not kept: {what} "
                                 f"more than {limit:,} characters of output]\n")


class BoundedExecute(Execute):
    """nbgrader's ``Execute`` that keeps each cell's outputs within an :class:`OutputBudget`,
    as they arrive."""

    def preprocess(self, nb, resources=None, km=None):
        self._budget = OutputBudget()
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        if msg.get("msg_type") in ("stream", "display_data", "execute_result", "error",
                                   "update_display_data"):
            verdict = self._budget.admit(cell_index, output_chars(msg.get("content") or {}))
            if verdict is not None:
                if verdict is not False:
                    outs.append(verdict)
                return None
        return super().output(outs, msg, display_id, cell_index)


class BoundedOutput(LimitOutput):
    """nbgrader's ``LimitOutput`` (lines, traceback length), then the :class:`OutputBudget`,
    for outputs a notebook already holds."""

    def preprocess(self, nb, resources):
        self._budget = OutputBudget()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.outputs:
            verdict = self._budget.admit(cell_index, output_chars(output))
            if verdict is not None:
                kept.append(verdict)
                break
            kept.append(output)
        cell.outputs = kept
        return cell, resources


def bound_outputs(preprocessors: list) -> list:
    """``preprocessors`` (the ``Autograde`` converter's) with nbgrader's ``Execute`` and
    ``LimitOutput`` replaced by their bounded versions."""
    swap = {Execute: BoundedExecute, LimitOutput: BoundedOutput}
    return [swap.get(p, p) for p in preprocessors]
