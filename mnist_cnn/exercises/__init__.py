"""The notebooks' exercises: a check for each, called from the exercise's cell.

One module per notebook (``notebook_01`` ... ``notebook_04``); a notebook imports its own as
``check`` and calls ``check.exercise_1_2(shifted_accuracy, model, ...)``. Each check inspects what
the learner built or computed and returns a :class:`feedback.Feedback` whose text says what is
right, or the one thing that is wrong and where to look. A cell whose ``...`` are not yet replaced
gets "not answered yet", so the notebooks still run top to bottom. The hints and worked solutions
stand in the notebooks (folded away); ``tests/test_exercises.py`` runs every solution through its
check and every check against typical wrong answers.

A wing of the package: the lesson's core never imports it (an import-linter contract), and
``notebook_01`` imports nothing from the photo reader, as notebook 01 itself does not.
"""
