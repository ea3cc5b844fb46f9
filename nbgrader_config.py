"""nbgrader settings for this course. Run nbgrader (or dlgrade) from this folder."""

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file

c.CourseDirectory.course_id = "dlgrade-day1-day2"

# The step directories. `solutions/` holds the instructor's source notebooks and `assignments/` the
# student release (both committed); the rest are working folders, named so none is mistaken for them.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# nbgrader's default "solution" would sit next to "solutions" and be confused with it.
c.CourseDirectory.solution_directory = "worked_solutions"
c.CourseDirectory.source_with_tests_directory = "solutions_with_tests"

# Outside the committed tree (see .gitignore); one gradebook for the course.
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Files that are never part of an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]

# The training demos (a small CNN on the 8×8 digits) take a few seconds a cell here; 30 s, nbgrader's
# default, leaves too little headroom on a slow or shared grading machine.
c.Execute.timeout = 120

# A test cell's checker already stops a looping submission after 10 s per case; if the kernel still
# hangs, interrupt the cell (its score is 0) rather than the whole grading run.
c.Execute.interrupt_on_timeout = True

# What a student's blank looks like: the exercise raises until it is filled in.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
