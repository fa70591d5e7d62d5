"""The learner's profile: cooperative, position, year of birth, gender, phone (``elearn.profile.service``)."""
