//! `replay` — see SPEC.md.
