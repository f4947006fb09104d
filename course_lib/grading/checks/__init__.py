"""One module per exercise, each registering its checks on an :class:`~..registry.Exercise`.

Every module named ``exNN_*.py`` here is imported by
:func:`course_lib.grading.registry.all_exercises`; adding an exercise means adding
``solutions/exNN_slug.py`` and a module here with the same name. A module is mostly
data, on the generic factories of :mod:`course_lib.grading.factories`: the
``Exercise`` (with the ``course_lib`` functions that compute its answer, in
``reference_functions``), a ``Target`` per function (its reference, tolerance and
known mistakes with their hints), tables of ``Case`` and one factory call per named
check. ``tests/test_grading.py`` then requires at least five wrong implementations
in ``tests/fixtures/wrong/<exercise>/`` that each lose points, zero points for an
answer that does nothing, and a fixture next to every tolerance and threshold.
"""
