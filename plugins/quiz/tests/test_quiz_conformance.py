"""The quiz passes the conformance checks every lesson type should (elearn.testing's
``lesson_type_conformance``): its example renders for learners in each language and for staff, an
attempt starts through the HTML form and through the API, and a learner's page costs as many SQL
statements however many other learners have started."""


def test_the_quiz_passes_the_conformance_checks(lesson_type_conformance):
    lesson_type_conformance("quiz", form={"action": "start"}, json={"action": "start"})
