"""What a catalogue entry is (every lab's catalogue modules build their lists from these)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A realistic mistake: ``source`` replaces reference functions in ``module``; the graded
    ``function`` must lose points (and no other function), its feedback containing ``expect``."""
    id: str
    description: str
    module: str
    source: str
    function: str
    expect: str


@dataclass(frozen=True)
class Variant:
    """A correct implementation written differently: ``source`` replaces reference functions
    in ``module``; every function in ``functions`` must keep full marks."""
    id: str
    description: str
    module: str
    source: str
    functions: tuple
