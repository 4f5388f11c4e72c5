"""Small pure functions: (patient, knowledge) -> decision with reasons."""
