//! `validate` — see SPEC.md.
