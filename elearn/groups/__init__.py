"""Course groups: split a course's learners into named groups, one group per learner and set.

The core owns them (not a plugin) because several lesson types need the same
split: a discussion by ``track`` and a later assignment by ``track`` must agree
on who is urban and who is rural. ``service`` holds the rules; ``views`` the
instructors' page; ``elearn.api.groups`` the JSON endpoints.
"""
