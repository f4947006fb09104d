"""pytest set-up for `make test`: with pytest-xdist (``--dist loadgroup``) every cell of
one notebook runs on the same worker, in order (nbval makes one test item per cell and
they share one kernel); the other tests are spread over the workers."""
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(item.path.name))
