"""Practise difficult workplace conversations with a simulated employee.

The package has no import-time side effects: nothing reads the environment,
opens a database or loads a scenario until a function is called.
"""

__version__ = "0.1.0"
