"""The outbox: ``Publication`` rows planned from a publish and delivered by workers.

``planning`` writes rows; ``tasks`` (the only queue hop) wakes a worker for them; ``claim``
takes a due row for one worker; ``delivery`` composes, sends and records the outcome;
``inputs`` gathers what ``compose`` needs; ``health`` tests channels and resumes them.
"""
