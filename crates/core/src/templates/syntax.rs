//! The template send syntax of seed 000 (placeholder: filled in by the template-parser work).
