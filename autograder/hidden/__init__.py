"""Hidden checks (instructor only, never released). Run by autograder.grade in the trusted process."""
