//! `index` — see SPEC.md.
