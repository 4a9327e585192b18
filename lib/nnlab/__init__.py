"""nnlab: neural-network layers, activations, losses and training tools in numpy.

You fill in the functions marked ``raise NotImplementedError`` in this package, lab by lab; the
notebooks explain each one and check your work as you go (``nnlab.checks``).
"""
__version__ = "0.1.0"
