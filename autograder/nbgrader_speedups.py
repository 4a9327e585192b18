"""One measured inefficiency of nbgrader, removed in the processes nnlab grades in.

nbgrader checks each cell's ``nbgrader`` metadata with ``jsonschema.validate(metadata, schema)``
(``nbgrader/nbgraderformat/common.py``, ``BaseMetadataValidator.validate_cell``). That function
first checks the *schema itself* against jsonschema's meta-schema, on every call: 56 cells of
lab 01, several passes per submission, was 7% of the time a fast-path submission takes
(profiled, benchmarks/class_throughput.py). nbgrader's schema is a file it ships and never
changes, so :func:`install` gives nbgrader's module a ``jsonschema`` whose ``validate`` builds
the validator (and checks the schema) once per schema: the same checks, the same
``jsonschema.ValidationError`` on a bad cell. Everything else of nbgrader's check is unchanged.
"""
from __future__ import annotations

import copy
import json
import types

import jsonschema

_VALIDATORS = {}     # the schema (as canonical JSON) -> its validator


def _validator(schema: dict):
    """The validator of ``schema``, built (and the schema checked) once per distinct schema."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        schema = copy.deepcopy(schema)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)        # once, as jsonschema.validate does on every call
        _VALIDATORS[key] = cls(schema)
    return _VALIDATORS[key]


def validate(instance, schema) -> None:
    """``jsonschema.validate`` for a schema already checked: raises the error it would raise."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Give nbgrader's metadata checks :func:`validate` in this process (idempotent)."""
    from nbgrader.nbgraderformat import common
    common.jsonschema = types.SimpleNamespace(validate=validate)
