"""One measured inefficiency of nbgrader, removed in the processes nnlab grades in.

nbgrader checks each cell's ``nbgrader`` metadata with ``jsonschema.validate(metadata, schema)``
(``nbgrader/nbgraderformat/common.py``, ``BaseMetadataValidator.validate_cell``). That function
first checks the *schema itself* against jsonschema's meta-schema, on every call: 56 cells of
lab 01, several passes per submission, was 7% of the time a fast-path submission takes
(profiled, benchmarks/class_throughput.py). nbgrader's schema is a file it ships and never
changes, so :func:`install` makes ``validate_cell`` check the cell with a validator built once
per schema: the same checks, the same ``jsonschema.ValidationError`` on a bad cell.
"""
from __future__ import annotations

import copy
import json


_VALIDATORS = {}     # the schema (as canonical JSON) -> its validator


def _validator(schema: dict):
    """The validator of ``schema``, built (and the schema checked) once per distinct schema."""
    import jsonschema
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        schema = copy.deepcopy(schema)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)        # once, as jsonschema.validate does on every call
        _VALIDATORS[key] = cls(schema)
    return _VALIDATORS[key]


def _version_checks(self, cell) -> None:
    """The schema-version part of nbgrader's ``validate_cell`` (its own exceptions)."""
    from nbgrader.nbgraderformat.common import SchemaTooNewError, SchemaTooOldError
    schema = cell.metadata["nbgrader"].get("schema_version", 0)
    if schema < self.schema_version:
        raise SchemaTooOldError(
            "Outdated schema version: {} (expected {})".format(schema, self.schema_version),
            schema, self.schema_version)
    if schema > self.schema_version:
        raise SchemaTooNewError(
            "Schema version is too new: {} (expected {})".format(schema, self.schema_version),
            schema, self.schema_version)


def _validate_cell(self, cell) -> None:
    """``BaseMetadataValidator.validate_cell`` with the schema's validator built once."""
    if "nbgrader" not in cell.metadata:
        return
    _version_checks(self, cell)
    import jsonschema
    validator = _validator(self.schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cell.metadata["nbgrader"]))
    if error is not None:     # the error jsonschema.validate raises
        raise error


def install() -> None:
    """Use :func:`_validate_cell` for nbgrader's metadata checks in this process (idempotent)."""
    from nbgrader.nbgraderformat.common import BaseMetadataValidator
    BaseMetadataValidator.validate_cell = _validate_cell
