"""course_utils.tools: the machinery that runs the course, not taught in any lesson.

A learner can skip this folder: the lessons' code is one level up, in ``course_utils/``.

=====================  ==========================================================
module                 what it does
=====================  ==========================================================
``run``                ``python -m course_utils.tools.run``: executes the lessons with papermill
``lessons``            the lesson table and each lesson's quick (``--fast``) parameters
``nbclean``            keeps the notebooks clean in git (no outputs but checked ones)
``environment``        ``check_environment()``: versions, CPU/GPU, where MNIST comes from
``bench``              the numpy CNN against TensorFlow (lesson 06's measurement)
``bench_preprocess``   your-own-digits accuracy over sizes, margins and pens (lesson 08)
``bench_serve``        the load test of the service (lesson 09)
``book``               ``python -m course_utils.tools.book``: the course as a static website
``slides``             ``python -m course_utils.tools.slides``: reveal.js decks, student copies
``lecturer_notes``     the generated mistakes tables of ``lecturers/``
=====================  ==========================================================
"""
