"""The hand-written table of graded exercises and their points (tests/exercise_points.txt)."""
from pathlib import Path

_TABLE = Path(__file__).with_name("exercise_points.txt")


def expected_points():
    """Return {exercise name: points} from tests/exercise_points.txt, in file order."""
    table = {}
    for line in _TABLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, points = line.split()
            table[name] = float(points)
    return table


EXPECTED_POINTS = expected_points()
EXPECTED_TOTAL = sum(EXPECTED_POINTS.values())
