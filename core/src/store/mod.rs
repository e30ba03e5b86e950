//! `store` — see SPEC.md.
