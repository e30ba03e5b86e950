//! `materialize` — see SPEC.md.
