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


def _cut_note(limit: int, what: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stderr",
                        text=f"\n[nnlab: the rest of this cell's output was not kept: {what} "
                             f"more than {limit:,} characters of output]\n")


class BoundedExecute(Execute):
    """nbgrader's ``Execute`` that keeps at most :data:`MAX_CELL_OUTPUT_CHARS` of each cell's
    outputs and :data:`MAX_NOTEBOOK_OUTPUT_CHARS` of the notebook's, as they arrive."""

    def preprocess(self, nb, resources=None, km=None):
        self._kept = {}            # cell index -> characters of output kept
        self._cut = set()          # cells whose output was cut (the note is written once)
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        if msg.get("msg_type") in ("stream", "display_data", "execute_result", "error",
                                   "update_display_data"):
            size = output_chars(msg.get("content") or {})
            cell_total = self._kept.get(cell_index, 0) + size
            notebook_total = sum(self._kept.values()) + size
            over = ("this cell produced" if cell_total > MAX_CELL_OUTPUT_CHARS else
                    "the notebook produced" if notebook_total > MAX_NOTEBOOK_OUTPUT_CHARS else None)
            if over:
                if cell_index not in self._cut:
                    self._cut.add(cell_index)
                    limit = (MAX_CELL_OUTPUT_CHARS if over.startswith("this cell")
                             else MAX_NOTEBOOK_OUTPUT_CHARS)
                    outs.append(_cut_note(limit, over))
                return None
            self._kept[cell_index] = cell_total
        return super().output(outs, msg, display_id, cell_index)


class BoundedOutput(LimitOutput):
    """nbgrader's ``LimitOutput`` (lines, traceback length), then the same character limits
    as :class:`BoundedExecute`, for outputs a notebook already holds."""

    def preprocess(self, nb, resources):
        self._notebook_total = 0
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        kept, cell_total = [], 0
        for output in cell.outputs:
            size = output_chars(output)
            if cell_total + size > MAX_CELL_OUTPUT_CHARS:
                kept.append(_cut_note(MAX_CELL_OUTPUT_CHARS, "this cell produced"))
                break
            if self._notebook_total + size > MAX_NOTEBOOK_OUTPUT_CHARS:
                kept.append(_cut_note(MAX_NOTEBOOK_OUTPUT_CHARS, "the notebook produced"))
                break
            cell_total += size
            self._notebook_total += size
            kept.append(output)
        cell.outputs = kept
        return cell, resources


def bound_outputs(preprocessors: list) -> list:
    """``preprocessors`` (the ``Autograde`` converter's) with nbgrader's ``Execute`` and
    ``LimitOutput`` replaced by their bounded versions."""
    swap = {Execute: BoundedExecute, LimitOutput: BoundedOutput}
    return [swap.get(p, p) for p in preprocessors]
