"""Makes `pytest exercises/` grade your exercise files: each check is one test, run by
the course's grader (your file is never imported by pytest itself). Part of the
course, not an exercise: do not edit it."""
from course_lib.grading.pytest_plugin import *  # noqa: F401,F403  (the plugin's hooks)
