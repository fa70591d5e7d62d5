"""The course report: a course's learners, one column per ``elearn_report_columns`` provider."""
