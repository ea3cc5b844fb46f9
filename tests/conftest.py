import os

# A fixed course secret, so the hidden suite is the same on every run of the tests.
os.environ.setdefault("DLGRADE_SECRET", "tests-course-secret")

pytest_plugins = ["pytester"]
