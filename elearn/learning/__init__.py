"""The learner's path: catalogue, course, enrolment, lessons, progress."""
