"""One module per exercise, each registering its checks on an :class:`~..registry.Exercise`.

Every module named ``exNN_*.py`` here is imported by
:func:`course_lib.grading.registry.all_exercises`; adding an exercise means adding
``solutions/exNN_slug.py`` and a module here with the same name.
"""
