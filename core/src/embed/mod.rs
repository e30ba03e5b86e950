//! `embed` — see SPEC.md.
